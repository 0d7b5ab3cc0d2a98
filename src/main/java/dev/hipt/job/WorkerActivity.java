package dev.hipt.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * When each analysis running in this process last made progress (a batch of patches encoded, a region stored, a
 * region boundary passed), kept in memory so that liveness can tell a stuck worker without asking the database.
 */
@Component
class WorkerActivity {

    private final Map<UUID, Running> running = new ConcurrentHashMap<>();

    /** An attempt of {@code jobId} starts on the calling thread. */
    Running begin(UUID jobId) {
        Running attempt = new Running(jobId, Instant.now());
        running.put(jobId, attempt);
        return attempt;
    }

    /** The analyses running now, with their last progress. */
    List<Running> running() {
        return List.copyOf(running.values());
    }

    /** The running analyses that have made no progress for longer than {@code limit}. */
    List<Running> stuck(Duration limit, Instant now) {
        return running.values().stream().filter(r -> r.idleFor(now).compareTo(limit) > 0).toList();
    }

    /** One running attempt; {@link #touch()} on progress, {@link #close()} when it ends however it ends. */
    final class Running implements AutoCloseable {

        private final UUID jobId;
        private volatile Instant lastProgress;

        private Running(UUID jobId, Instant started) {
            this.jobId = jobId;
            this.lastProgress = started;
        }

        UUID jobId() {
            return jobId;
        }

        void touch() {
            lastProgress = Instant.now();
        }

        Duration idleFor(Instant now) {
            return Duration.between(lastProgress, now);
        }

        @Override
        public void close() {
            running.remove(jobId, this);
        }
    }
}
