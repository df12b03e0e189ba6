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
    private final List<TopicPartition> partitions;

    public ResultWatcher(Map<String, Object> kafka, String topic, boolean fromBeginning) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions;
        try {
            partitions = consumer.partitionsFor(topic, ClusterReach.apiTimeout(kafka)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            consumer.close(Duration.ZERO);
            throw ClusterReach.unreachable(kafka, ClusterReach.apiTimeout(kafka), e);
        } catch (org.apache.kafka.common.KafkaException e) {
            consumer.close(Duration.ZERO);
            ClientFailure permanent = KafkaFailures.classify(e);
            throw permanent != null ? permanent : e;
        }
        if (partitions.isEmpty()) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("topic " + topic + " does not exist (a worker creates it when it starts)");
        }
        this.partitions = partitions;
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
        return readReceived(timeout, received -> sink.accept(received.result()), done);
    }

    /** A result as read, with its record's {@code traceparent} header (null if it had none). */
    public record Received(Result result, String traceparent) {
    }

    /** As {@link #read}, handing over each result with its record's trace context. */
    public boolean readReceived(Duration timeout, Consumer<Received> sink, Predicate<Result> done) {
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
                var header = record.headers().lastHeader(RequestTracing.HEADER);
                sink.accept(new Received(result, header == null ? null
                        : new String(header.value(), java.nio.charset.StandardCharsets.US_ASCII)));
                finished |= done.test(result);
            }
            if (finished) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every result committed before this call that is past the current position, in the order the
     * results finished (each partition is in order, the partitions are not: a node's results are
     * on one partition, a fleet's on many). Returns once every partition is read to its end as of
     * this call, or when {@code timeout} has passed.
     */
    public List<Result> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout); // read_committed: the stable offsets
        List<Result> results = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                try {
                    results.add(ResultCodec.decode(record.value()));
                } catch (IllegalArgumentException e) {
                    // not a TinyVol result: not ours to show
                }
            }
        }
        results.sort(java.util.Comparator.comparing(Result::finishedAt, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        return results;
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
