package dev.hipt.training.pretraining;

/** The stable codes of pretraining requests and jobs (besides VALIDATION_FAILED and the slides' NO_TISSUE...). */
final class PretrainingErrors {

    /** 422: a named slide id is not a stored slide. */
    static final String UNKNOWN_SLIDES = "UNKNOWN_SLIDES";
    /** 422: the job selects no slide (no slide is stored). */
    static final String NO_SLIDES = "NO_SLIDES";
    /** 422: {@code vit256ModelId} names no registered model. */
    static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";
    /** 422: {@code vit256ModelId} names a registered model that is not a ViT-256. */
    static final String NOT_A_VIT256 = "NOT_A_VIT256";
    /** 422: a stage-2 job names no ViT-256 and none is active. */
    static final String VIT256_REQUIRED = "VIT256_REQUIRED";
    /** 404: the job has stored no checkpoint yet. */
    static final String NO_CHECKPOINT = "NO_CHECKPOINT";
    /** Job error: the job failed after {@code hipt.pretraining.max-attempts} unexpected errors. */
    static final String PRETRAINING_FAILED = "PRETRAINING_FAILED";

    /** Job error: the loss became NaN or infinite. */
    static final String PRETRAINING_DIVERGED = "PRETRAINING_DIVERGED";

    private PretrainingErrors() {
    }
}
