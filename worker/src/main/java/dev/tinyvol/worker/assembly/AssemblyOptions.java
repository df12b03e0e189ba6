package dev.tinyvol.worker.assembly;

/**
 * @param replace      rebuild a volume that exists from another manifest (otherwise VOLUME_EXISTS)
 * @param copyFallback copy a file where a hard link is impossible (other filesystem, link count at
 *                     the maximum), with a warning; when false those cases fail the assembly
 * @param importMethod how files come into the volume ({@link ImportMethod#AUTO}: clone where possible)
 * @param readOnly     bind-mount the volume read-only onto itself once it is in place
 */
public record AssemblyOptions(boolean replace, boolean copyFallback, ImportMethod importMethod, boolean readOnly) {

    public static final AssemblyOptions DEFAULTS = new AssemblyOptions(false, true, ImportMethod.AUTO, false);

    public AssemblyOptions {
        importMethod = importMethod == null ? ImportMethod.AUTO : importMethod;
    }

    public AssemblyOptions(boolean replace, boolean copyFallback) {
        this(replace, copyFallback, ImportMethod.AUTO, false);
    }

    public AssemblyOptions(boolean replace, boolean copyFallback, ImportMethod importMethod) {
        this(replace, copyFallback, importMethod, false);
    }
}
