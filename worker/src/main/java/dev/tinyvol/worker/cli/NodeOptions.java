package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a node keeps its volumes, and how many threads work on files. */
final class NodeOptions {

    @Option(names = "--volumes", paramLabel = "DIR", required = true,
            description = "The directory that holds assembled volumes.")
    Path volumes;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.PositiveCount.class,
            description = "Threads that link, check and remove files (default: the number of CPUs, at least 2).")
    int threads = WorkerPool.defaultThreads();

    /** For assemble, which creates the volumes directory if it is missing. */
    VolumeService openCreating(Path cas) {
        return new VolumeService(cas == null ? null : Cas.open(cas), VolumeStore.open(volumes), threads);
    }

    /**
     * For every command but assemble (list, verify, teardown, purge): a volumes directory that does
     * not exist is an error, never created, so a mistyped path does not look like an empty, valid one
     * (before, teardown and purge created it, with .tinyvol/ inside, and said "nothing to remove").
     *
     * @param cas the CAS, or null for commands that only remove or list volumes
     */
    VolumeService openExisting(Path cas) {
        requireExisting(volumes);
        return openCreating(cas);
    }

    /** Refuses a volumes directory that is not there, saying which and what to check. */
    static void requireExisting(Path volumes) {
        if (!java.nio.file.Files.isDirectory(volumes)) {
            throw new TinyVolException(ErrorCode.INVALID_PATH, volumes.toString(), "the volumes directory " + volumes
                    + (java.nio.file.Files.exists(volumes) ? " is not a directory" : " does not exist")
                    + "; check --volumes (a command that builds volumes creates it)");
        }
    }
}
