package dev.tinyvol.worker.kafka;

import dev.tinyvol.worker.config.WorkerConfig;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the node's request and dead-letter topics and the shared results topic when missing. */
final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    /** Kafka did not answer: worth trying again (the brokers may be starting, or the network back soon). */
    static final class KafkaUnreachable extends IllegalStateException {
        KafkaUnreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static void ensure(WorkerConfig config) {
        Admin admin = Admin.create(KafkaClients.admin(config));
        try {
            Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            List<NewTopic> missing = List.of(
                            new NewTopic(config.requestsTopic(), config.requestPartitions(), config.replicationFactor()),
                            new NewTopic(config.resultsTopic(), config.resultsPartitions(), config.replicationFactor()),
                            new NewTopic(config.deadLetterTopic(), 1, config.replicationFactor()))
                    .stream().filter(t -> !existing.contains(t.name())).toList();
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                    LOG.info("created topic {} ({} partitions, replication {})", topic.name(), topic.numPartitions(),
                            topic.replicationFactor());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("creating topic " + topic.name() + " failed: " + e.getCause().getMessage()
                                + " (set topics.create=false if topics are managed elsewhere)", e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)) {
                // Not a matter of time (authorization, a bad setting): say it and stop.
                throw new IllegalStateException("Kafka at " + config.kafka().get("bootstrap.servers")
                        + " refused to list topics: " + e.getCause().getMessage(), e.getCause());
            }
            throw unreachable(config, e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw unreachable(config, "no answer within 10 s", e);
        } finally {
            // Admin.close() would wait for the timed-out call's own 60 s time-out; nothing is pending worth that.
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }

    private static KafkaUnreachable unreachable(WorkerConfig config, String why, Exception e) {
        return new KafkaUnreachable("cannot reach Kafka at " + config.kafka().get("bootstrap.servers") + " (" + why
                + "); check kafka.bootstrap.servers, that the brokers run, and the network", e);
    }
}
