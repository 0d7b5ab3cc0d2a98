package dev.hipt.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * Wires db-scheduler by hand (its Spring Boot starter predates Boot 4): one persistent one-time task
 * {@value #TASK_NAME} per job, executed by {@code hipt.job.workers-per-device} threads, with heartbeats so that a
 * dead worker's job is revived and resumed by any other worker.
 */
@Configuration(proxyBeanMethods = false)
class JobScheduling {

    static final String TASK_NAME = "analysis";
    static final String READERS = "regionReaders";

    private static final Logger log = LoggerFactory.getLogger(JobScheduling.class);

    @Bean(name = READERS, destroyMethod = "shutdownNow")
    ExecutorService regionReaders(JobProperties properties) {
        return Executors.newFixedThreadPool(properties.readerThreads(), daemonThreads("hipt-region-reader-"));
    }

    @Bean
    OneTimeTask<AnalysisTaskData> analysisTask(AnalysisWorker worker, JobProperties properties) {
        return Tasks.oneTime(TASK_NAME, AnalysisTaskData.class)
                .onFailure(failureHandler(properties))
                .onDeadExecutionRevive()
                .execute((instance, context) -> worker.run(instance.getData().jobId()));
    }

    @Bean
    JobSchedulerFactory jobSchedulerFactory(DataSource dataSource, OneTimeTask<AnalysisTaskData> analysisTask,
                                            JobProperties properties) {
        return new JobSchedulerFactory(dataSource, analysisTask, properties);
    }

    /**
     * The queue: a full {@link Scheduler} (client and workers) when this process has workers, a plain client on an
     * API-only replica ({@code hipt.job.workers-per-device=0}).
     */
    @Bean(destroyMethod = "")
    SchedulerClient analysisQueue(JobSchedulerFactory factory, JobProperties properties) {
        if (properties.workersPerDevice() == 0) {
            log.info("hipt.job.workers-per-device=0: this process queues analysis jobs but runs none");
            return factory.client();
        }
        return factory.create(new SchedulerName.Hostname());
    }

    @Bean
    SmartLifecycle analysisQueueLifecycle(SchedulerClient analysisQueue, AnalysisWorker worker,
                                          ApplicationEventPublisher events) {
        return new SchedulerLifecycle(analysisQueue instanceof Scheduler scheduler ? scheduler : null, worker,
                events);
    }

    private static FailureHandler<AnalysisTaskData> failureHandler(JobProperties properties) {
        return (complete, operations) -> {
            Throwable cause = complete.getCause().orElse(null);
            if (cause instanceof AnalysisStopped) {
                // Left picked on purpose: its heartbeat stops, and dead-execution detection hands it on.
                return;
            }
            Instant next = cause instanceof AnalysisWorker.RetryLater retry
                    ? Instant.now().plus(retry.delay())
                    : Instant.now().plus(properties.retryBackoff());
            operations.reschedule(complete, next);
        };
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Builds schedulers over the shared queue table; tests build a second one to play another worker. */
    static final class JobSchedulerFactory {

        private final DataSource dataSource;
        private final OneTimeTask<AnalysisTaskData> task;
        private final JobProperties properties;

        JobSchedulerFactory(DataSource dataSource, OneTimeTask<AnalysisTaskData> task, JobProperties properties) {
            // Scheduling joins the caller's transaction, so a job row and its execution commit together.
            this.dataSource = new TransactionAwareDataSourceProxy(dataSource);
            this.task = task;
            this.properties = properties;
        }

        SchedulerClient client() {
            return SchedulerClient.Builder.create(dataSource, task)
                    .serializer(new AnalysisTaskData.TextSerializer())
                    .build();
        }

        Scheduler create(SchedulerName name) {
            return Scheduler.create(dataSource, task)
                    .schedulerName(name)
                    .serializer(new AnalysisTaskData.TextSerializer())
                    .threads(properties.workersPerDevice())
                    .executorService(Executors.newFixedThreadPool(properties.workersPerDevice(),
                            daemonThreads("hipt-analysis-" + name.getName() + "-")))
                    .heartbeatInterval(properties.heartbeat())
                    .missedHeartbeatsLimit(properties.missedHeartbeats())
                    .pollingInterval(properties.pollingInterval())
                    .shutdownMaxWait(properties.shutdownMaxWait())
                    .enableImmediateExecution()
                    .build();
        }
    }

    /** Starts polling once the context (and Flyway) is ready; stops, letting running jobs go on a while, on close. */
    static final class SchedulerLifecycle implements SmartLifecycle {

        private final Scheduler scheduler;
        private final AnalysisWorker worker;
        private final ApplicationEventPublisher events;
        private volatile boolean running;

        SchedulerLifecycle(Scheduler scheduler, AnalysisWorker worker, ApplicationEventPublisher events) {
            this.scheduler = scheduler;
            this.worker = worker;
            this.events = events;
        }

        @Override
        public void start() {
            if (scheduler != null) {
                scheduler.start();
            }
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            // Rolling restart: the load balancer stops sending work here first, then no job is picked any more,
            // running ones finish their batch and go back to the queue (not counted as attempts), and only then
            // are the models released (CheckpointModelProvider's lower phase).
            AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
            if (scheduler != null) {
                log.info("Stopping the analysis job scheduler (readiness REFUSING_TRAFFIC); running analyses are"
                        + " handed back to the queue after their batch");
                worker.drain();
                scheduler.stop();
            }
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        /**
         * A db-scheduler {@link Scheduler} cannot start again once stopped, so this lifecycle opts out of being
         * paused and restarted (Spring's test context cache pauses idle contexts that way).
         */
        @Override
        public boolean isPauseable() {
            return false;
        }
    }
}
