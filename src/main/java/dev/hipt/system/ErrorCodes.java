package dev.hipt.system;

/**
 * The stable {@code code} values of problem+json answers that are not owned by a feature enum (slide codes live in
 * {@link dev.hipt.wsi.SlideErrorCode}). Clients switch on these strings; never rename one.
 */
public final class ErrorCodes {

    /** 400: the request is malformed (missing part, unreadable body, bad JSON). */
    public static final String BAD_REQUEST = "BAD_REQUEST";
    /** 400: a parameter or field has an invalid value. */
    public static final String VALIDATION_FAILED = "VALIDATION_FAILED";
    /** 401: no or an unknown API key in {@code X-API-Key}. */
    public static final String UNAUTHORIZED = "UNAUTHORIZED";
    /** 403: the key's role does not allow this call. */
    public static final String FORBIDDEN = "FORBIDDEN";
    /** 404: the resource does not exist. */
    public static final String NOT_FOUND = "NOT_FOUND";
    /** 405: the path exists, the method does not. */
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    /** 406: the requested representation cannot be produced. */
    public static final String NOT_ACCEPTABLE = "NOT_ACCEPTABLE";
    /** 409: the request conflicts with the resource's state. */
    public static final String CONFLICT = "CONFLICT";
    /** 413: the upload exceeds {@code hipt.upload.max-size}. */
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    /** 415: the request's Content-Type is not accepted here. */
    public static final String UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
    /** 429: more analysis jobs are queued than {@code hipt.job.max-queued}; see {@code Retry-After}. */
    public static final String QUEUE_FULL = "QUEUE_FULL";
    /** 503: analysis needs HIPT checkpoints and none are configured. */
    public static final String MODEL_NOT_CONFIGURED = "MODEL_NOT_CONFIGURED";
    /** 503: the database (or another backing service) cannot be reached now; retry after {@code Retry-After}. */
    public static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";
    /** 404: a Deep Zoom tile outside the image (no such level, or a column or row past the level's last). */
    public static final String TILE_NOT_FOUND = "TILE_NOT_FOUND";
    /** 404: no heatmap layer of that name, or none the slide's analysis has. */
    public static final String LAYER_NOT_FOUND = "LAYER_NOT_FOUND";
    /** 503: every tile read is busy for longer than the configured wait; retry after {@code Retry-After}. */
    public static final String TILES_BUSY = "TILES_BUSY";
    /** 404: the slide's newest analysis has no region with this index. */
    public static final String REGION_NOT_FOUND = "REGION_NOT_FOUND";
    /** 404: the asked-for per-region score does not exist for this slide (e.g. no subtype head was used). */
    public static final String SCORE_NOT_AVAILABLE = "SCORE_NOT_AVAILABLE";
    /**
     * 409: attention needs the models that analysed the slide, and the loaded models are others; reanalyse the
     * slide with the loaded models, or load the ones it was analysed with.
     */
    public static final String MODEL_CHANGED = "MODEL_CHANGED";
    /** 422: a model checkpoint that is not one, is truncated, or that the restricted unpickler refuses. */
    public static final String MODEL_CHECKPOINT_INVALID = "MODEL_CHECKPOINT_INVALID";
    /** 422: a checkpoint's tensors do not fit the model kind it is registered as (missing or mis-shaped). */
    public static final String MODEL_KIND_MISMATCH = "MODEL_KIND_MISMATCH";
    /** 422: a subtype head whose class count differs from the class names given with it. */
    public static final String MODEL_CLASSES_MISMATCH = "MODEL_CLASSES_MISMATCH";
    /**
     * 409: the checkpoint's bytes are registered as this kind already, with other classes or time bins than the
     * request gives; the problem's {@code modelId} names that model, whose classes and time bins stay as they are.
     */
    public static final String MODEL_ALREADY_REGISTERED = "MODEL_ALREADY_REGISTERED";
    /** 403: a server path to register a model from is outside {@code hipt.model.registry.allowed-dirs}. */
    public static final String MODEL_PATH_NOT_ALLOWED = "MODEL_PATH_NOT_ALLOWED";
    /** 422: a server path to register a model from names no readable file. */
    public static final String MODEL_PATH_NOT_FOUND = "MODEL_PATH_NOT_FOUND";
    /** 500: a defect or an infrastructure failure; never caused by bad input. */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

    /** The code of an error that only has a status (Spring MVC's own exceptions, errors Tomcat answers itself). */
    static String forStatus(int status) {
        return switch (status) {
            case 400 -> BAD_REQUEST;
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
        };
    }

    private ErrorCodes() {
    }
}
