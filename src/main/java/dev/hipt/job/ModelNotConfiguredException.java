package dev.hipt.job;

/** Analysis was asked for, but no HIPT checkpoints are configured; the message says how to configure them. */
public class ModelNotConfiguredException extends RuntimeException {

    public static final String CODE = "MODEL_NOT_CONFIGURED";

    public ModelNotConfiguredException(String message) {
        super(message);
    }
}
