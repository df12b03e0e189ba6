package dev.tinyvol.worker.assembly;

import java.util.List;

/**
 * What an assembly did.
 *
 * @param outcome     BUILT, REPLACED or UNCHANGED (the volume already held this manifest)
 * @param targetDir   the volume's directory
 * @param filesCopied files copied (the copy method, or copy fallback: each reason is then in {@code warnings})
 * @param importMethod the method the files came in by (AUTO resolved): CLONE, HARDLINK or COPY
 * @param protection   see {@link ImportMethod#protection}
 */
public record AssemblyReport(String volume, Outcome outcome, String targetDir, String manifestId,
                             long filesLinked, long filesCopied, long symlinks, long dirsCreated, long bytes,
                             long durationMs, List<String> warnings, ImportMethod importMethod, long filesCloned,
                             String protection) {

    public enum Outcome { BUILT, REPLACED, UNCHANGED }

    public AssemblyReport {
        warnings = List.copyOf(warnings);
    }
}
