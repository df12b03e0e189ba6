package dev.tinyvol.worker.assembly;

import java.util.List;

/** What a purge did (or, for a dry run, would do) to each volume. */
public record PurgeReport(boolean dryRun, List<TeardownReport> volumes, List<Failure> failures, long durationMs) {

    /** A volume purge could not remove, and why. */
    public record Failure(String volume, String code, String message) {
    }

    public PurgeReport {
        volumes = List.copyOf(volumes);
        failures = List.copyOf(failures);
    }
}
