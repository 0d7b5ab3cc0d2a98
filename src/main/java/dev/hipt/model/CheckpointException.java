package dev.hipt.model;

/**
 * A checkpoint that cannot be used: unreadable, truncated, refused by the pickle allowlist, or whose
 * parameters do not fit the model (the message names the parameter).
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
