package dev.tinyvol.worker.registry;

import java.time.Duration;

/**
 * When a pull must be done by. Every request, retry pause and body read of the pull waits at most
 * the time left, so retries cannot stretch a pull past {@code registry.pull.deadline}.
 */
record Deadline(long atNanos, Duration length) {

    /** No deadline (pushes, and reads outside a pull). */
    static final Deadline NONE = new Deadline(Long.MAX_VALUE, null);

    static Deadline after(Duration length) {
        return new Deadline(System.nanoTime() + length.toNanos(), length);
    }

    long remainingNanos() {
        return atNanos == Long.MAX_VALUE ? Long.MAX_VALUE : atNanos - System.nanoTime();
    }

    boolean passed() {
        return remainingNanos() <= 0;
    }

    /** {@code wait}, or less if the deadline comes first (at least a millisecond, for APIs that refuse zero). */
    Duration cap(Duration wait) {
        long left = remainingNanos();
        return left >= wait.toNanos() ? wait : Duration.ofNanos(Math.max(1_000_000, left));
    }
}
