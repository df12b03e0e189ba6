package dev.tinyvol.messages.manifest;

/**
 * A manifest that cannot be used, with the field at fault ({@code entries["etc/passwd"].mode}) and
 * why. The {@link Problem} is stable and machine-readable; the message is for people.
 */
public final class ManifestException extends RuntimeException {

    /** What kind of problem; stable names that become result error codes. */
    public enum Problem {
        MALFORMED_MANIFEST,
        UNSUPPORTED_MANIFEST_VERSION,
        INVALID_PATH,
        PATH_CONFLICT,
        INVALID_DIGEST,
        INVALID_MODE,
        INVALID_OWNER,
        INVALID_SYMLINK
    }

    private final Problem problem;
    private final String field;
    private final String reason;

    public ManifestException(Problem problem, String field, String reason) {
        super(field == null || field.isEmpty() ? reason : field + ": " + reason);
        this.problem = problem;
        this.field = field == null ? "" : field;
        this.reason = reason;
    }

    public Problem problem() {
        return problem;
    }

    /** The field at fault, as a path into the manifest JSON; empty for the document as a whole. */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The same problem, reported at a field nested under {@code parent}. */
    ManifestException under(String parent) {
        String nested = field.isEmpty() ? parent : parent + "." + field;
        return new ManifestException(problem, nested, reason);
    }
}
