package dev.tinyvol.worker.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses the consumer's partitions when {@code maxBuffered} requests, or {@code maxBytes} bytes of
 * them, are read and unanswered, and resumes them when both are at half. Counting bytes too keeps
 * the heap bounded when requests are few but large (inline manifests of thousands of entries). The
 * loop keeps polling while paused, so the consumer stays in its group however long the work takes.
 */
final class Backpressure {

    private static final Logger LOG = LoggerFactory.getLogger(Backpressure.class);

    private final int maxBuffered;
    private final long maxBytes;
    private boolean paused;

    Backpressure(int maxBuffered, long maxBytes) {
        this.maxBuffered = maxBuffered;
        this.maxBytes = maxBytes;
    }

    /** Whether consumption should be paused now, given what is buffered (and whether it is paused). */
    boolean shouldPause(int buffered, long bytes) {
        if (!paused) {
            return buffered >= maxBuffered || bytes >= maxBytes;
        }
        return buffered > maxBuffered / 2 || bytes > maxBytes / 2;
    }

    void apply(Consumer<byte[], byte[]> consumer, int buffered, long bytes) {
        boolean pause = shouldPause(buffered, bytes);
        if (!paused && pause) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.info("{} requests ({} bytes) buffered: pausing consumption", buffered, bytes);
        } else if (paused && !pause) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }
}
