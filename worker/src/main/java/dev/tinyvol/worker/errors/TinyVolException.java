package dev.tinyvol.worker.errors;

import dev.tinyvol.messages.manifest.ManifestException;

/**
 * A failure of a TinyVol operation with a stable {@link ErrorCode} and, where one applies, the path
 * (a manifest path, a blob, a volume) it concerns.
 */
public class TinyVolException extends RuntimeException {

    private final ErrorCode code;
    private final String path;

    public TinyVolException(ErrorCode code, String path, String message) {
        this(code, path, message, null);
    }

    public TinyVolException(ErrorCode code, String path, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.path = path;
    }

    public static TinyVolException of(ManifestException e) {
        return new TinyVolException(ErrorCode.valueOf(e.problem().name()), e.field(), e.getMessage(), e);
    }

    public ErrorCode code() {
        return code;
    }

    /** The path concerned, or null. */
    public String path() {
        return path;
    }
}
