package dev.tinyvol.worker.concurrent;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread pools for file work (hashing, linking, checking, removing) and waiting for what was given
 * to them.
 */
public final class WorkerPool {

    private WorkerPool() {
    }

    /** Threads for file operations: enough to keep the filesystem busy on small machines too. */
    public static int defaultThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Waits for every task; rethrows the first failure (as it was thrown, if unchecked) once all have
     * ended, so no task is still touching files when the caller cleans up after it.
     */
    public static void awaitAll(List<? extends Future<?>> futures) {
        RuntimeException first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (CancellationException e) {
                if (first == null) {
                    first = e;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TinyVolException(ErrorCode.INTERRUPTED, null, "interrupted");
            }
        }
        if (first != null) {
            throw first;
        }
    }

    public static ExecutorService create(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
