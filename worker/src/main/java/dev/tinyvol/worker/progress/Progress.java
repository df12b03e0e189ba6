package dev.tinyvol.worker.progress;

/**
 * Receives progress of long work (ingest, assembly, teardown) so a command line can show it and a
 * worker can log it. Called from worker threads; implementations must be thread-safe and cheap.
 */
@FunctionalInterface
public interface Progress {

    Progress NONE = (phase, done, total) -> { };

    /**
     * @param phase what is being done, e.g. "hashing" or "linking"
     * @param done  items finished so far in this phase
     * @param total items in this phase, or -1 if not yet known
     */
    void update(String phase, long done, long total);
}
