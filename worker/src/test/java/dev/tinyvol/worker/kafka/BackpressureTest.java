package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure counts bytes as well as requests: a few large requests (inline manifests) pause
 * consumption as surely as many small ones, and it resumes only when both are at half.
 */
class BackpressureTest {

    @Test
    void fewLargeRequestsPauseConsumptionLikeManySmallOnes() {
        // Kafka's own in-memory consumer (a real implementation of the interface, not a mock of ours).
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        TopicPartition tp = new TopicPartition("t", 0);
        consumer.assign(List.of(tp));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        Backpressure b = new Backpressure(2000, 16 << 20);

        b.apply(consumer, 42, 42L * 400_000); // 42 inline manifests of 5,000 entries: 16.8 MB, far fewer than 2,000
        assertEquals(1, consumer.paused().size(), "paused by bytes");
        b.apply(consumer, 30, 30L * 400_000); // 12 MB: still over half
        assertEquals(1, consumer.paused().size());
        b.apply(consumer, 20, 20L * 400_000); // 8 MB: at half
        assertTrue(consumer.paused().isEmpty(), "resumed at half");

        b.apply(consumer, 2000, 2000L * 300); // many small ones: paused by count, as before
        assertEquals(1, consumer.paused().size(), "paused by count");
        b.apply(consumer, 1000, 1000L * 300);
        assertTrue(consumer.paused().isEmpty());
    }
}
