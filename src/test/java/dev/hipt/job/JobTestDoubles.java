package dev.hipt.job;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** Stand-ins for slide reading, the model and result storage, in place of the real beans. */
@TestConfiguration(proxyBeanMethods = false)
class JobTestDoubles {
    @Bean
    @Primary
    FakeSlides fakeSlides() {
        return new FakeSlides();
    }

    @Bean
    @Primary
    FakeInference fakeInference() {
        return new FakeInference();
    }

    @Bean
    @Primary
    FakeModels fakeModels() {
        return new FakeModels();
    }

    @Bean
    @Primary
    InMemoryRegionResults inMemoryRegionResults() {
        return new InMemoryRegionResults();
    }
}
