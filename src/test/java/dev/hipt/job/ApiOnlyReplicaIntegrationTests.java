package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code hipt.job.workers-per-device=0}, the API replicas of the Helm chart: jobs are queued in the shared table
 * and can be cancelled, but this process never runs one.
 */
@SpringBootTest(properties = {
        "spring.datasource.url=jdbc:h2:mem:jobs-api-${random.uuid};DB_CLOSE_DELAY=-1",
        "hipt.job.workers-per-device=0"})
@Import(JobTestDoubles.class)
class ApiOnlyReplicaIntegrationTests {

    @Autowired
    AnalysisJobs jobs;
    @Autowired
    SchedulerClient queue;
    @Autowired
    JobSchedulerHealthIndicator health;
    @Autowired
    FakeSlides slides;
    @Autowired
    JdbcClient jdbc;

    @Test
    void queuesAndCancelsJobsButRunsNone() {
        assertThat(queue).isNotInstanceOf(Scheduler.class);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        FakeSlides.Slide slide = slides.add(1);
        UUID slideId = UUID.randomUUID();
        jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                            mpp_source, created_at, updated_at)
                        values (:id, 'a.svs', :sha, 1, :blob, 'aperio', 1, 1, 'FILE', :now, :now)""")
                .param("id", slideId).param("sha", "a".repeat(64)).param("blob", slide.blobKey)
                .param("now", OffsetDateTime.now()).update();

        JobView job = jobs.submit(new AnalysisRequest(slideId, slide.blobKey, 0.5));
        assertThat(jdbc.sql("select count(*) from scheduled_tasks where task_instance = :id")
                .param("id", job.id().toString()).query(Integer.class).single()).isOne();
        assertThat(jobs.latestForSlide(slideId)).map(JobView::status).contains(JobStatus.QUEUED);

        assertThat(jobs.cancel(job.id())).map(JobView::status).contains(JobStatus.CANCELLED);
        assertThat(jdbc.sql("select count(*) from scheduled_tasks").query(Integer.class).single()).isZero();
        assertThat(slide.opens).hasValue(0);
    }
}
