package dev.hipt.results;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Loads the similar-slides index at start-up, before the replica reports ready, and applies other replicas' writes
 * every {@code hipt.results.similar-index.poll-interval} on a thread of its own; exposes the index size as the gauge
 * {@code hipt.similar.index.slides}.
 */
@Component
class SlideEmbeddingIndexPoller implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SlideEmbeddingIndexPoller.class);

    private final IndexedSlideEmbeddings embeddings;
    private final SimilarIndexProperties properties;
    private volatile ScheduledExecutorService poller;
    private boolean failing;

    SlideEmbeddingIndexPoller(JdbcRegionResults results, SimilarIndexProperties properties, MeterRegistry registry) {
        this.embeddings = results.embeddings();
        this.properties = properties;
        Gauge.builder("hipt.similar.index.slides", embeddings, IndexedSlideEmbeddings::size)
                .description("Slides in this replica's in-memory similar-slides index").register(registry);
    }

    @Override
    public void start() {
        try {
            embeddings.load();
        } catch (RuntimeException e) {
            // the first poll (or the first query) loads it instead
            log.error("Could not load the similar-slides index at start-up: {}", e.toString());
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hipt-similar-index");
            thread.setDaemon(true);
            return thread;
        });
        long every = properties.pollInterval().toMillis();
        executor.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
        poller = executor;
    }

    private void poll() {
        try {
            embeddings.poll();
            if (failing) {
                log.info("Similar-slides index polls succeed again");
                failing = false;
            }
        } catch (RuntimeException e) {
            // once per outage, not every poll
            if (!failing) {
                log.warn("Similar-slides index poll failed; other replicas' writes wait for the next that succeeds: {}",
                        e.toString());
                failing = true;
            }
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = poller;
        poller = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return poller != null;
    }
}
