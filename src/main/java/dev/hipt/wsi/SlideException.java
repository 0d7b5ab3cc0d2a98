package dev.hipt.wsi;

/** A slide that cannot be opened, read or analysed, with a stable {@link SlideErrorCode}. */
public class SlideException extends RuntimeException {

    private final SlideErrorCode code;

    public SlideException(SlideErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public SlideException(SlideErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public SlideErrorCode code() {
        return code;
    }
}
