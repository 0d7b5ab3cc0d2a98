package dev.hipt.training;

/** Why a training job cannot run or did not finish, with the stable code the job's error (or a 422) carries. */
final class TrainingFailure extends RuntimeException {

    /** The label set has one class only among the task's rows. */
    static final String SINGLE_CLASS = "TRAINING_SINGLE_CLASS";
    /** Fewer labelled slides (per class or in total) than a training and a validation side need. */
    static final String TOO_FEW_SLIDES = "TRAINING_TOO_FEW_SLIDES";
    /** A labelled slide's stored cls256 grids are missing or incomplete. */
    static final String SLIDE_NOT_ANALYSED = "SLIDE_NOT_ANALYSED";
    /** Labelled slides have no finished analysis made with the active backbone; the detail says how many. */
    static final String NOT_ON_BACKBONE = "TRAINING_SLIDES_NOT_ON_BACKBONE";
    /** Training stopped on an error that is not the input's fault; the detail says which. */
    static final String TRAINING_FAILED = "TRAINING_FAILED";

    private final String code;

    TrainingFailure(String code, String detail) {
        super(detail);
        this.code = code;
    }

    TrainingFailure(String code, String detail, Throwable cause) {
        super(detail, cause);
        this.code = code;
    }

    String code() {
        return code;
    }
}
