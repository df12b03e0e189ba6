package dev.tinyvol.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own round trip, the baseline for the worker: a client sends a message to a request topic;
 * a relay consumes it and produces it to a result topic together with its offset in one transaction
 * per poll (read_committed, the worker's client settings); the client reads it back.
 */
final class BareRoundTrip {

    private final String bootstrap;
    private volatile boolean stopped;

    BareRoundTrip(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** Microseconds per round trip, sorted, after {@code warmup} untimed ones. */
    long[] measure(int count, int warmup) throws Exception {
        String in = "bench.rt.requests";
        String out = "bench.rt.results";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            for (String t : List.of(in, out)) {
                try {
                    admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
        Thread relay = new Thread(() -> relay(in, out, assigned), "relay");
        relay.setDaemon(true);
        relay.start();
        if (!assigned.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the relay got no partition within 60 s");
        }
        Map<String, Object> producerProps = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0, "acks", "all",
                "enable.idempotence", true));
        Map<String, Object> consumerProps = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"));
        long[] micros = new long[count];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(out, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            for (int i = -warmup; i < count; i++) {
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(in, ByteBuffer.allocate(8).putLong(t0).array())).get();
                boolean got = false;
                while (!got) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        got |= ByteBuffer.wrap(r.value()).getLong() == t0;
                    }
                }
                if (i >= 0) {
                    micros[i] = (System.nanoTime() - t0) / 1000;
                }
            }
        }
        stopped = true;
        relay.join(30_000);
        java.util.Arrays.sort(micros);
        return micros;
    }

    private void relay(String in, String out, java.util.concurrent.CountDownLatch assigned) {
        Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "group.id", "bench-relay",
                "isolation.level", "read_committed", "enable.auto.commit", false, "retry.backoff.ms", 10));
        Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "transactional.id", "bench-relay",
                "linger.ms", 0, "retry.backoff.ms", 10));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.subscribe(List.of(in), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                    // Start from the end: earlier runs' messages are not this run's.
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    assigned.countDown();
                }
            });
            while (!stopped) {
                var records = consumer.poll(Duration.ofMillis(20));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    producer.send(new ProducerRecord<>(out, r.value()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
            }
        }
    }
}
