package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Publishes requests to a node's topic, keyed by volume, with an idempotent producer. */
public final class RequestSender implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    public RequestSender(Map<String, Object> kafka) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends and waits for the broker to have it. */
    public void send(String topic, Request request) {
        try {
            producer.send(new ProducerRecord<>(topic, request.key().getBytes(StandardCharsets.UTF_8), RequestCodec.encode(request)))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + request.requestId(), e);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw failure(topic, e);
        }
    }

    private static IllegalStateException failure(String topic, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause.getMessage() != null && cause.getMessage().contains("not present in metadata")) {
            return new IllegalStateException("topic " + topic + " does not exist: no worker has started for that node "
                    + "(a worker creates its topic), or the node id is misspelt", cause);
        }
        return new IllegalStateException("sending to " + topic + " failed: " + cause.getMessage()
                + "; check that Kafka is reachable at the bootstrap address", cause);
    }

    /** Sends without waiting; {@link #flush()} waits for everything sent so far. */
    public void sendAsync(String topic, Request request) {
        producer.send(new ProducerRecord<>(topic, request.key().getBytes(StandardCharsets.UTF_8), RequestCodec.encode(request)));
    }

    public void flush() {
        producer.flush();
    }

    /** Sends raw bytes (for tools and tests that publish what a foreign client would). */
    public void sendRaw(String topic, byte[] key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw failure(topic, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
