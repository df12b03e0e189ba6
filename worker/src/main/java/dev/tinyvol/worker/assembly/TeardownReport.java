package dev.tinyvol.worker.assembly;

import java.util.List;

/**
 * What a teardown did.
 *
 * @param outcome REMOVED, or ABSENT when there was no such volume (teardown is idempotent)
 * @param filesRemoved regular files, counted as assemble counts them (symlinks and directories apart,
 *                     the volume's own directory not among them)
 */
public record TeardownReport(String volume, Outcome outcome, long filesRemoved, long symlinksRemoved, long dirsRemoved, long durationMs,
                             List<String> warnings) {

    public enum Outcome { REMOVED, ABSENT, WOULD_REMOVE }

    public TeardownReport {
        warnings = List.copyOf(warnings);
    }
}
