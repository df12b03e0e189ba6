package dev.tinyvol.worker.kafka;

import dev.tinyvol.worker.config.WorkerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The worker's Kafka clients. Operators' {@code kafka.*} settings come first; the settings that
 * exactly-once processing depends on are then fixed, and the tuned defaults (DESIGN.md: a short
 * {@code retry.backoff.ms} keeps a transaction begun right after a commit from waiting 100 ms)
 * apply only where the operator set nothing.
 */
final class KafkaClients {

    /** The producer's transaction.timeout.ms unless kafka.transaction.timeout.ms says otherwise. */
    static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

    private KafkaClients() {
    }

    /** The producer's transaction.timeout.ms as this worker is configured. */
    static Duration transactionTimeout(WorkerConfig config) {
        String value = config.kafka().get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        try {
            return Duration.ofMillis(value == null ? DEFAULT_TRANSACTION_TIMEOUT_MS : Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Duration.ofMillis(DEFAULT_TRANSACTION_TIMEOUT_MS); // the producer refuses the setting itself
        }
    }

    /** The real clients for this worker's configuration. */
    static WorkerClients of(WorkerConfig config) {
        return new WorkerClients() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer() {
                return KafkaClients.consumer(config);
            }

            @Override
            public org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer() {
                return KafkaClients.producer(config);
            }

            @Override
            public void ensureTopics() {
                if (config.createTopics()) {
                    TopicSetup.ensure(config);
                }
            }
        };
    }

    /** One transactional id and one static group member per node: a second worker fences the first. */
    static String memberId(WorkerConfig config) {
        return "tinyvol-worker-" + config.node();
    }

    static KafkaConsumer<byte[], byte[]> consumer(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // An idle node's fetches are most of what a fleet costs its brokers; a waiting fetch is answered
        // as soon as a request arrives, so the long wait adds no latency (docs/operations.md, "Running 10,000 nodes").
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5_000);
        props.putAll(config.kafka());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, memberId(config));
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, memberId(config));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, memberId(config) + "-consumer");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static KafkaProducer<byte[], byte[]> producer(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, DEFAULT_TRANSACTION_TIMEOUT_MS);
        props.putAll(config.kafka());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, memberId(config));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, memberId(config) + "-producer");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static Map<String, Object> admin(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafka());
        props.put("client.id", memberId(config) + "-admin");
        return props;
    }
}
