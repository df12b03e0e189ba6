package dev.tinyvol.client;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Whether a node's request topic exists, asked of the cluster in one round trip before the first
 * send to it. A producer told to send to a missing topic waits for it until {@code max.block.ms}
 * (the command line's whole --connect-timeout) and then cannot tell a missing topic from a missing
 * cluster; the cluster answers "unknown topic" at once. Topics found are remembered; a missing one
 * is asked about again next time (its worker may have started since). Anything but a definite
 * "unknown topic" (no answer, no DESCRIBE permission) lets the send go ahead and speak for itself.
 */
final class TopicCheck implements AutoCloseable {

    private final Map<String, Object> kafka;
    private final Duration timeout;
    private final Set<String> found = ConcurrentHashMap.newKeySet();
    private Admin admin;

    TopicCheck(Map<String, Object> kafka, Duration timeout) {
        this.kafka = kafka;
        this.timeout = timeout;
    }

    /** The topics among {@code topics} the cluster says do not exist (one request for all). */
    Set<String> missing(Collection<String> topics) {
        List<String> unknown = topics.stream().filter(t -> !found.contains(t)).distinct().toList();
        if (unknown.isEmpty()) {
            return Set.of();
        }
        Map<String, KafkaFuture<org.apache.kafka.clients.admin.TopicDescription>> answers;
        try {
            answers = admin().describeTopics(unknown).topicNameValues();
        } catch (RuntimeException e) {
            return Set.of();
        }
        Set<String> missing = new java.util.HashSet<>();
        long until = System.nanoTime() + timeout.toNanos();
        for (String topic : unknown) {
            try {
                answers.get(topic).get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                found.add(topic);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(topic);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return missing;
            } catch (java.util.concurrent.TimeoutException e) {
                return missing;
            }
        }
        return missing;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> settings = new HashMap<>(kafka);
            // Producer-only keys mean nothing to an admin client (it would warn about each).
            settings.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k));
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
            settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
            admin = Admin.create(settings);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
