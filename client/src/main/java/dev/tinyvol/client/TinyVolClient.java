package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestCodec;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A scheduler's handle on TinyVol nodes: one producer for requests and one consumer of the results
 * topic, shared by every call; thread-safe.
 * <pre>{@code
 * try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", "kafka:9092"))) {
 *     Result r = client.submit(request, Duration.ofMinutes(2)).join();      // wait for one node
 *     client.fireAndForget(teardown);                                     // nobody waits
 *     FleetOutcome rollout = client.fanOut(nodes, Requests.assemble("web-1", "nginx-1.27"),
 *             Duration.ofMinutes(5), progress -> {}).join();             // one request per node
 * }
 * }</pre>
 * Results are matched to requests by requestId; only results committed after the client connected
 * are read (read_committed), so submit after connecting.
 */
public final class TinyVolClient implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Result>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers;
    /**
     * Sending blocks while a topic's metadata is fetched (up to max.block.ms for a topic that does
     * not exist), so sends run off the caller's thread, in lanes by node: one node's requests stay in
     * order, and a node without a topic holds up only its own lane.
     */
    private final java.util.concurrent.ExecutorService[] lanes = new java.util.concurrent.ExecutorService[8];
    private final Thread reader;
    private volatile boolean open = true;

    private TinyVolClient(Map<String, Object> kafka, String resultsTopic) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(resultsTopic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(resultsTopic, info.partition())).toList();
        if (partitions.isEmpty()) {
            producer.close();
            consumer.close();
            throw new IllegalStateException("topic " + resultsTopic + " does not exist (a worker creates it when it starts)");
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fixed before the first request can be sent
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tinyvol-client-timeouts"));
        for (int i = 0; i < lanes.length; i++) {
            String name = "tinyvol-client-send-" + i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        }
        this.reader = daemon(this::readResults, "tinyvol-client-results");
        reader.start();
    }

    /** Connects with these Kafka client settings ({@code bootstrap.servers} at least) to {@code tinyvol.results}. */
    public static TinyVolClient connect(Map<String, Object> kafka) {
        return new TinyVolClient(kafka, Topics.RESULTS);
    }

    public static TinyVolClient connect(Map<String, Object> kafka, String resultsTopic) {
        return new TinyVolClient(kafka, resultsTopic);
    }

    /**
     * Sends the request to its node's topic; the future completes with its result, or exceptionally
     * with a {@link TimeoutException} after {@code timeout}, or with the send's failure.
     */
    public CompletableFuture<Result> submit(Request request, Duration timeout) {
        CompletableFuture<Result> answer = new CompletableFuture<>();
        pending.put(request.requestId(), answer);
        timers.schedule(() -> {
            if (pending.remove(request.requestId()) != null) {
                answer.completeExceptionally(new TimeoutException("no result for " + request.requestId() + " from node "
                        + request.node() + " within " + timeout));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        send(request).whenComplete((ok, failed) -> {
            if (failed != null && pending.remove(request.requestId()) != null) {
                answer.completeExceptionally(failed);
            }
        });
        return answer;
    }

    /** Sends the request and forgets it: the worker carries it out and publishes a result nobody waits for. */
    public CompletableFuture<Void> fireAndForget(Request request) {
        return send(request);
    }

    /** One request per node, from {@code template}; see {@link FleetRollout}. */
    public CompletableFuture<FleetOutcome> fanOut(List<String> nodes, RequestTemplate template, Duration timeout,
                                                  Consumer<FleetOutcome.Progress> progress) {
        return new FleetRollout(this, nodes, template, timeout, progress).start();
    }

    /** Every result this client reads, whoever sent the request (for dashboards). */
    public void onResult(Consumer<Result> listener) {
        listeners.add(listener);
    }

    private CompletableFuture<Void> send(Request request) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        lanes[Math.floorMod(request.node().hashCode(), lanes.length)].execute(() -> sendNow(request, sent));
        return sent;
    }

    private void sendNow(Request request, CompletableFuture<Void> sent) {
        try {
            producer.send(new ProducerRecord<>(Topics.requests(request.node()), request.key().getBytes(StandardCharsets.UTF_8),
                    RequestCodec.encode(request)), (metadata, e) -> {
                        if (e == null) {
                            sent.complete(null);
                        } else {
                            sent.completeExceptionally(failure(request.node(), e));
                        }
                    });
        } catch (RuntimeException e) {
            sent.completeExceptionally(failure(request.node(), e));
        }
    }

    private static IllegalStateException failure(String node, Exception e) {
        String topic = Topics.requests(node);
        if (String.valueOf(e.getMessage()).contains("not present in metadata")) {
            return new IllegalStateException("topic " + topic + " does not exist: no worker has started for node " + node, e);
        }
        return new IllegalStateException("sending to " + topic + " failed: " + e.getMessage(), e);
    }

    private void readResults() {
        try {
            while (open) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Result result;
                    try {
                        result = ResultCodec.decode(record.value());
                    } catch (IllegalArgumentException notOurs) {
                        continue;
                    }
                    CompletableFuture<Result> waiting = pending.remove(result.requestId());
                    if (waiting != null) {
                        waiting.complete(result);
                    }
                    listeners.forEach(l -> l.accept(result));
                }
            }
        } catch (WakeupException closing) {
            // close() was called.
        }
    }

    @Override
    public void close() {
        open = false;
        consumer.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (java.util.concurrent.ExecutorService lane : lanes) {
            lane.shutdown();
        }
        for (java.util.concurrent.ExecutorService lane : lanes) {
            try {
                lane.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(10));
        timers.shutdownNow();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("client closed")));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
