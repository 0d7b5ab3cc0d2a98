package dev.hipt.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * Wires db-scheduler by hand (its Spring Boot starter predates Boot 4): one persistent one-time task
 * {@value #TASK_NAME} per job, executed by {@code hipt.job.workers-per-device} threads per device of
 * {@code hipt.model.devices}, with heartbeats so that a
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

    /** {@code hipt.job.workers-per-device} for each device of {@code hipt.model.devices}. */
    @Bean
    WorkerCount analysisWorkerCount(JobProperties properties, ObjectProvider<ModelProperties> models) {
        ModelProperties model = models.getIfAvailable();
        int devices = model == null ? 1 : model.deviceSpecs().size();
        return new WorkerCount(properties.workersPerDevice() * devices);
    }

    /** How many analyses this process runs at once: its scheduler's threads (0 on an API-only replica). */
    record WorkerCount(int total) {
    }

    @Bean
    JobSchedulerFactory jobSchedulerFactory(DataSource dataSource, OneTimeTask<AnalysisTaskData> analysisTask,
                                            ObjectProvider<EngineTask> engineTasks, JobProperties properties,
                                            WorkerCount workers) {
        List<OneTimeTask<AnalysisTaskData>> others = new ArrayList<>();
        for (EngineTask engineTask : engineTasks.orderedStream().toList()) {
            if (engineTask.name().equals(TASK_NAME)) {
                throw new IllegalStateException("task name '" + TASK_NAME + "' is the analyses'");
            }
            others.add(Tasks.oneTime(engineTask.name(), AnalysisTaskData.class)
                    .onFailure(failureHandler(properties))
                    .onDeadExecutionRevive()
                    .execute((instance, context) -> {
                        Optional<Duration> again = engineTask.run(instance.getData().jobId());
                        if (again.isPresent()) {
                            throw new AnalysisWorker.RetryLater(again.get(), null);
                        }
                    }));
        }
        return new JobSchedulerFactory(dataSource, analysisTask, others, properties, workers.total());
    }

    /** Looks the scheduler up when first used: the engine's tasks (which queue their jobs) are built before it. */
    @Bean
    EngineQueue engineQueue(ObjectProvider<SchedulerClient> analysisQueue, ObjectProvider<JobSchedulerFactory> factory,
                            AnalysisJobRepository jobs) {
        return new EngineQueue() {
            @Override
            public void schedule(String taskName, UUID jobId) {
                OneTimeTask<AnalysisTaskData> task = factory.getObject().engineTasks.get(taskName);
                if (task == null) {
                    throw new IllegalArgumentException("no engine task '" + taskName + "'");
                }
                analysisQueue.getObject().schedule(task.instance(jobId.toString(), new AnalysisTaskData(jobId)),
                        Instant.now());
            }

            @Override
            public boolean analysesWaiting() {
                return jobs.countByStatus(JobStatus.QUEUED) > 0;
            }
        };
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
                                          ObjectProvider<EngineTask> engineTasks, ApplicationEventPublisher events) {
        return new SchedulerLifecycle(analysisQueue instanceof Scheduler scheduler ? scheduler : null, worker,
                engineTasks.orderedStream().toList(), events);
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
        private final List<Task<?>> tasks;
        private final Map<String, OneTimeTask<AnalysisTaskData>> engineTasks;
        private final JobProperties properties;
        private final int workers;

        JobSchedulerFactory(DataSource dataSource, OneTimeTask<AnalysisTaskData> task,
                            List<OneTimeTask<AnalysisTaskData>> engineTasks, JobProperties properties, int workers) {
            // Scheduling joins the caller's transaction, so a job row and its execution commit together.
            this.dataSource = new TransactionAwareDataSourceProxy(dataSource);
            List<Task<?>> all = new ArrayList<>();
            all.add(task);
            all.addAll(engineTasks);
            this.tasks = List.copyOf(all);
            this.engineTasks = engineTasks.stream().collect(Collectors.toUnmodifiableMap(Task::getName,
                    Function.identity()));
            this.properties = properties;
            this.workers = workers;
        }

        SchedulerClient client() {
            return SchedulerClient.Builder.create(dataSource, tasks)
                    .serializer(new AnalysisTaskData.TextSerializer())
                    .build();
        }

        Scheduler create(SchedulerName name) {
            return Scheduler.create(dataSource, tasks)
                    .schedulerName(name)
                    .serializer(new AnalysisTaskData.TextSerializer())
                    .threads(workers)
                    .executorService(Executors.newFixedThreadPool(workers,
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
        private final List<EngineTask> engineTasks;
        private final ApplicationEventPublisher events;
        private volatile boolean running;

        SchedulerLifecycle(Scheduler scheduler, AnalysisWorker worker, List<EngineTask> engineTasks,
                           ApplicationEventPublisher events) {
            this.scheduler = scheduler;
            this.worker = worker;
            this.engineTasks = List.copyOf(engineTasks);
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
                engineTasks.forEach(EngineTask::drain);
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
