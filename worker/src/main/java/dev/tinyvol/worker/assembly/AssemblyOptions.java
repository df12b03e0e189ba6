package dev.tinyvol.worker.assembly;

/**
 * @param replace      rebuild a volume that exists from another manifest (otherwise VOLUME_EXISTS)
 * @param copyFallback copy a file where a hard link is impossible (other filesystem, link count at
 *                     the maximum), with a warning; when false those cases fail the assembly
 */
public record AssemblyOptions(boolean replace, boolean copyFallback) {

    public static final AssemblyOptions DEFAULTS = new AssemblyOptions(false, true);
}
