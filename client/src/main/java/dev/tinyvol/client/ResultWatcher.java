package dev.tinyvol.client;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads committed results from the results topic, every partition, without a consumer group: from
 * the end (to wait for the answers to requests about to be sent) or from the beginning.
 */
public final class ResultWatcher implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;

    public ResultWatcher(Map<String, Object> kafka, String topic, boolean fromBeginning) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions;
        try {
            partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("cannot reach Kafka at " + kafka.get("bootstrap.servers")
                    + " (no answer within 30 s): check the bootstrap address and that the brokers run", e);
        }
        if (partitions.isEmpty()) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("topic " + topic + " does not exist (a worker creates it when it starts)");
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // fix the position now, before any request is sent
        }
    }

    /**
     * Hands every result read within {@code timeout} to {@code sink}, until {@code done} says stop.
     * A batch that was polled is always handed over whole: the consumer's position is past it.
     */
    public boolean read(Duration timeout, Consumer<Result> sink, Predicate<Result> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean finished = false;
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                Result result;
                try {
                    result = ResultCodec.decode(record.value());
                } catch (IllegalArgumentException e) {
                    continue; // not a TinyVol result: not ours to show
                }
                sink.accept(result);
                finished |= done.test(result);
            }
            if (finished) {
                return true;
            }
        }
        return false;
    }

    /** Makes a {@link #read} in progress on another thread end at once (with a WakeupException). */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
