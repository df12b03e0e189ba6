package dev.tinyvol.worker.assembly;

import java.util.List;

/**
 * A volume compared with its manifest.
 *
 * @param problems the first problems found (at most {@link #MAX_LISTED}), each with its path
 */
public record VerifyReport(String volume, String manifestId, boolean deep, long verified, long mismatched,
                           long missing, long extra, List<Problem> problems, long durationMs) {

    public static final int MAX_LISTED = 200;

    /** What is wrong at one path: MISMATCH, MISSING or EXTRA. */
    public record Problem(String path, String kind, String detail) {
    }

    public VerifyReport {
        problems = List.copyOf(problems);
    }

    public boolean clean() {
        return mismatched == 0 && missing == 0 && extra == 0;
    }
}
