package dev.tinyvol.client;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the cluster answers at all. Kafka's clients report an unreachable cluster and a missing
 * topic with the same time-out ("not present in metadata"), so a caller asks this before it tells
 * a user which of the two it was.
 */
public final class ClusterReach {

    /** How long a client waits for metadata when the caller sets nothing ({@code default.api.timeout.ms}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private ClusterReach() {
    }

    /** True when a broker named the cluster's nodes within {@code timeout}. */
    public static boolean answers(Map<String, Object> kafka, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafka);
        int ms = (int) Math.max(100, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        props.keySet().retainAll(AdminClientConfig.configNames());
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).nodes()
                    .get(ms + 1000L, TimeUnit.MILLISECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** The one message for an unreachable cluster, the same from every command. */
    public static ClusterUnreachableException unreachable(Map<String, Object> kafka, Duration waited, Throwable cause) {
        return new ClusterUnreachableException("cannot reach Kafka at " + kafka.get("bootstrap.servers") + " (no answer within "
                + Durations.words(waited) + "): check the bootstrap address and that the brokers run", cause);
    }

    /** How long a client built from {@code kafka} waits for metadata. */
    public static Duration apiTimeout(Map<String, Object> kafka) {
        Object ms = kafka.get("default.api.timeout.ms");
        return ms == null ? DEFAULT_TIMEOUT : Duration.ofMillis(Long.parseLong(ms.toString()));
    }
}
