package dev.tinyvol.worker.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses the consumer's partitions when {@code maxBuffered} requests are read and unanswered, and
 * resumes them at half that. The loop keeps polling while paused, so the consumer stays in its
 * group however long the work takes.
 */
final class Backpressure {

    private static final Logger LOG = LoggerFactory.getLogger(Backpressure.class);

    private final int maxBuffered;
    private boolean paused;

    Backpressure(int maxBuffered) {
        this.maxBuffered = maxBuffered;
    }

    void apply(Consumer<byte[], byte[]> consumer, int buffered) {
        if (!paused && buffered >= maxBuffered) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.info("{} requests buffered: pausing consumption", buffered);
        } else if (paused && buffered <= maxBuffered / 2) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }
}
