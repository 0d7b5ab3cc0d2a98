package dev.hipt.slide;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** The job and results features as doubles, so slide tests see exactly what an upload queues and deletes. */
@TestConfiguration(proxyBeanMethods = false)
public class SlideTestDoubles {

    @Bean
    @Primary
    FakeAnalysisJobs fakeAnalysisJobs() {
        return new FakeAnalysisJobs();
    }

    @Bean
    @Primary
    FakeRegionResults fakeRegionResults() {
        return new FakeRegionResults();
    }
}
