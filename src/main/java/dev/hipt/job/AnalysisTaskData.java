package dev.hipt.job;

import com.github.kagkarlsson.scheduler.serializer.Serializer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The data of a scheduled {@code analysis} execution: only the job id; everything else is in the job row. */
record AnalysisTaskData(UUID jobId) {

    /**
     * Stores the data as the job id's text, so the queue table stays readable and nothing is ever deserialised
     * into arbitrary classes.
     */
    static final class TextSerializer implements Serializer {

        @Override
        public byte[] serialize(Object data) {
            if (data == null) {
                return null;
            }
            if (data instanceof AnalysisTaskData task) {
                return task.jobId().toString().getBytes(StandardCharsets.US_ASCII);
            }
            throw new IllegalArgumentException("cannot store task data of type " + data.getClass().getName());
        }

        @Override
        public <T> T deserialize(Class<T> clazz, byte[] serializedData) {
            if (serializedData == null) {
                return null;
            }
            if (clazz != AnalysisTaskData.class) {
                throw new IllegalArgumentException("unknown task data type " + clazz.getName());
            }
            return clazz.cast(new AnalysisTaskData(
                    UUID.fromString(new String(serializedData, StandardCharsets.US_ASCII))));
        }
    }
}
