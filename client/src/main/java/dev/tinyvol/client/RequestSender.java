package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestCodec;
import dev.tinyvol.messages.event.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes requests to nodes' topics ({@code tinyvol.requests.<node>}, keyed by volume) with an
 * idempotent producer, and says in plain words why a send failed (no such node topic, Kafka not
 * reachable).
 */
public final class RequestSender implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, Object> kafka;
    private final TopicCheck topics;

    public RequestSender(Map<String, Object> kafka) {
        this.kafka = Map.copyOf(kafka);
        Map<String, Object> props = new HashMap<>(kafka);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topics = new TopicCheck(this.kafka, maxBlock());
    }

    /**
     * Asks the cluster, in one request, which of these topics exist, so that sends to them need not
     * ask; returns those that do not (a fan-out calls this once for all its nodes).
     */
    public java.util.Set<String> missingTopics(java.util.Collection<String> topicNames) {
        return topics.missing(topicNames);
    }

    /**
     * Sends the request to its node's topic; the future completes once the broker has it. May block
     * while the topic's metadata is fetched (up to max.block.ms).
     */
    public CompletableFuture<Void> sendAsync(Request request) {
        return sendAsync(Topics.requests(request.node()), request);
    }

    /**
     * As {@link #sendAsync(Request)}, to a topic of the caller's naming, with the current span's
     * {@code traceparent} header (a new trace's when none is open).
     */
    public CompletableFuture<Void> sendAsync(String topic, Request request) {
        return sendAsync(topic, request, RequestTracing.current());
    }

    /** As {@link #sendAsync(String, Request)}, with this {@code traceparent} header. */
    public CompletableFuture<Void> sendAsync(String topic, Request request, String traceparent) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, request.key().getBytes(StandardCharsets.UTF_8),
                RequestCodec.encode(request));
        record.headers().add(RequestTracing.HEADER, traceparent.getBytes(StandardCharsets.US_ASCII));
        return send(record);
    }

    /** Sends the request to an explicit topic and waits for the broker to have it. */
    public void send(String topic, Request request) {
        await(sendAsync(topic, request));
    }

    /** Sends raw bytes (for tools and tests that publish what a foreign client would) and waits. */
    public void sendRaw(String topic, byte[] key, byte[] value) {
        await(sendRawAsync(topic, key, value));
    }

    private CompletableFuture<Void> sendRawAsync(String topic, byte[] key, byte[] value) {
        return send(new ProducerRecord<>(topic, key, value));
    }

    private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (!topics.missing(List.of(topic)).isEmpty()) {
            sent.completeExceptionally(topicNotFound(topic, null));
            return sent;
        }
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(failure(topic, e));
                }
            });
        } catch (RuntimeException e) {
            sent.completeExceptionally(failure(topic, e));
        }
        return sent;
    }

    public void flush() {
        producer.flush();
    }

    private static void await(CompletableFuture<Void> sent) {
        try {
            sent.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            throw e.getCause() instanceof IllegalStateException ise ? ise
                    : new ClientFailure("SEND_FAILED", "sending failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ClientFailure("SEND_FAILED", "the broker did not acknowledge within 60 s; check that Kafka is reachable", e);
        }
    }

    private IllegalStateException failure(String topic, Exception e) {
        ClientFailure permanent = KafkaFailures.classify(e);
        if (permanent != null) {
            return permanent;
        }
        if (String.valueOf(e.getMessage()).contains("not present in metadata")) {
            // The same time-out means "no such topic" and "no cluster": ask the cluster which.
            Duration probe = Duration.ofSeconds(3);
            if (!ClusterReach.answers(kafka, probe)) {
                return ClusterReach.unreachable(kafka, maxBlock(), e);
            }
            return topicNotFound(topic, e);
        }
        return new ClientFailure("SEND_FAILED", "sending to " + topic + " failed: " + e.getMessage()
                + "; check that Kafka is reachable at the bootstrap address", e);
    }

    static ClientFailure topicNotFound(String topic, Exception cause) {
        String node = topic.startsWith(Topics.REQUESTS_PREFIX) ? topic.substring(Topics.REQUESTS_PREFIX.length()) : topic;
        return new ClientFailure("NODE_TOPIC_NOT_FOUND", "topic " + topic + " does not exist: no worker has started for node "
                + node + " (a worker creates its topic), or the node id is misspelt", cause);
    }

    private Duration maxBlock() {
        Object ms = kafka.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        return Duration.ofMillis(ms == null ? 10_000 : Long.parseLong(ms.toString()));
    }

    @Override
    public void close() {
        topics.close();
        producer.close(Duration.ofSeconds(5));
    }
}
