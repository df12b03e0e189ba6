package dev.tinyvol.worker.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Where the loop gets its Kafka clients: the real ones ({@link KafkaClients#of}), or kafka-clients'
 * MockConsumer and MockProducer in tests that inject commit time-outs, fencing and rebalances.
 */
public interface WorkerClients {

    /** The node's consumer: static member, read_committed, no auto-commit. */
    Consumer<byte[], byte[]> consumer();

    /** A transactional producer with the node's transactional id (a new one after a fatal error). */
    Producer<byte[], byte[]> producer();

    /** Creates missing topics before the loop starts (a no-op where topics are managed). */
    void ensureTopics();
}
