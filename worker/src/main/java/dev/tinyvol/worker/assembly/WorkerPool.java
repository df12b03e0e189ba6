package dev.tinyvol.worker.assembly;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads that link and remove files in parallel, shared by one process's operations. */
public final class WorkerPool {

    private WorkerPool() {
    }

    /** Threads for file operations: enough to keep the filesystem busy on small machines too. */
    public static int defaultThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    public static ExecutorService create(int threads) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "tinyvol-fs-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
