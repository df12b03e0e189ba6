package dev.tinyvol.messages.event;

import java.util.List;

/** The counts of a VERIFY result, and the first problems found ({@code path: detail}). */
public record VerifySummary(boolean deep, long verified, long mismatched, long missing, long extra, List<String> problems) {

    public VerifySummary {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }
}
