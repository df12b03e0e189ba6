package dev.tinyvol.worker.assembly;

import java.util.List;

/**
 * What an assembly did.
 *
 * @param outcome     BUILT, REPLACED or UNCHANGED (the volume already held this manifest)
 * @param targetDir   the volume's directory
 * @param filesCopied files copied instead of linked (copy fallback); each reason is in {@code warnings}
 */
public record AssemblyReport(String volume, Outcome outcome, String targetDir, String manifestId,
                             long filesLinked, long filesCopied, long symlinks, long dirsCreated, long bytes,
                             long durationMs, List<String> warnings) {

    public enum Outcome { BUILT, REPLACED, UNCHANGED }

    public AssemblyReport {
        warnings = List.copyOf(warnings);
    }
}
