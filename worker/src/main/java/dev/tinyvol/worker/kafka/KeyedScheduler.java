package dev.tinyvol.worker.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs work concurrently across keys and in order within a key: each task starts after the one
 * before it with the same key (its volume). A node-wide task (LIST, PURGE) is a barrier: it starts
 * after everything submitted before it and everything submitted after it starts after it. The
 * executor bounds how many run at once. Called from the polling thread only.
 */
final class KeyedScheduler {

    private final Executor executor;
    private final Map<String, CompletableFuture<?>> tails = new HashMap<>();
    private CompletableFuture<?> barrier = CompletableFuture.completedFuture(null);

    KeyedScheduler(Executor executor) {
        this.executor = executor;
    }

    <T> CompletableFuture<T> submit(String key, boolean nodeWide, Supplier<T> work) {
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
        // A failure before must not stop the work after: handle() turns it into plain completion.
        CompletableFuture<T> task = after.handle((ignored, failure) -> null).thenApplyAsync(v -> work.get(), executor);
        if (nodeWide) {
            barrier = task;
            tails.clear();
        } else {
            tails.put(key, task);
        }
        return task;
    }
}
