package dev.tinyvol.worker.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs work concurrently across keys and in order within a key: each task starts after the one
 * before it with the same key (its volume). A node-wide task (LIST, PURGE) is a barrier: it starts
 * after everything submitted before it and everything submitted after it starts after it. At most
 * {@code concurrency} tasks run at once, and among those ready to run the one read first goes
 * first, so a volume's next request does not wait behind a backlog read after it (results are
 * published in the order read). A task may also wait for a prerequisite of its own (the pull of
 * its image) without taking a thread while it waits. {@link #submit} is called from the polling
 * thread only.
 */
final class KeyedScheduler implements AutoCloseable {

    private final ThreadPoolExecutor pool;
    private final Map<String, CompletableFuture<?>> tails = new HashMap<>();
    private CompletableFuture<?> barrier = CompletableFuture.completedFuture(null);
    private long sequence;

    KeyedScheduler(int concurrency) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "tinyvol-request-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    <T> CompletableFuture<T> submit(String key, boolean nodeWide, Supplier<T> work) {
        return submit(key, nodeWide, CompletableFuture.completedFuture(null), work);
    }

    /** As {@link #submit(String, boolean, Supplier)}, started only once {@code prerequisite} is done too. */
    <T> CompletableFuture<T> submit(String key, boolean nodeWide, CompletableFuture<?> prerequisite, Supplier<T> work) {
        if (tails.size() > 1024) {
            tails.values().removeIf(CompletableFuture::isDone);
        }
        CompletableFuture<?> after;
        if (nodeWide) {
            List<CompletableFuture<?>> before = new ArrayList<>(tails.values());
            before.add(barrier);
            after = CompletableFuture.allOf(before.toArray(CompletableFuture[]::new));
        } else {
            after = tails.getOrDefault(key, barrier);
        }
        if (!prerequisite.isDone()) {
            // Failed or not, the prerequisite only delays the work: the work says what went wrong.
            after = CompletableFuture.allOf(after, prerequisite.exceptionally(failure -> null));
        }
        long seq = sequence++;
        CompletableFuture<T> task = new CompletableFuture<>();
        // A failure before must not stop the work after: whenComplete runs either way.
        after.whenComplete((ignored, failure) -> pool.execute(new Sequenced(seq, () -> {
            try {
                task.complete(work.get());
            } catch (Throwable t) {
                task.completeExceptionally(t);
            }
        })));
        if (nodeWide) {
            barrier = task;
            tails.clear();
        } else {
            tails.put(key, task);
        }
        return task;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** A task ordered by when its request was read. */
    private record Sequenced(long seq, Runnable body) implements Runnable, Comparable<Sequenced> {
        @Override
        public void run() {
            body.run();
        }

        @Override
        public int compareTo(Sequenced other) {
            return Long.compare(seq, other.seq);
        }
    }
}
