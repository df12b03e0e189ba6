package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.concurrent.WorkerPool;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a node keeps its volumes, and how many threads work on files. */
final class NodeOptions {

    @Option(names = "--volumes", paramLabel = "DIR", required = true,
            description = "The directory that holds assembled volumes; created if missing.")
    Path volumes;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.PositiveCount.class,
            description = "Threads that link, check and remove files (default: the number of CPUs, at least 2).")
    int threads = WorkerPool.defaultThreads();

    /** @param cas the CAS, or null for commands that only remove or list volumes */
    VolumeService open(Path cas) {
        return new VolumeService(cas == null ? null : Cas.open(cas), VolumeStore.open(volumes), threads);
    }
}
