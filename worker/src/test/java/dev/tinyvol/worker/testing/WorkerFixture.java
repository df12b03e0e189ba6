package dev.tinyvol.worker.testing;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.worker.Worker;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.client.RequestSender;
import dev.tinyvol.client.ResultWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/** A worker for one node, running on a thread in the test JVM against the test broker. */
public final class WorkerFixture implements AutoCloseable {

    public final String node;
    public final Path cas;
    public final Path volumes;
    public final WorkerConfig config;
    private final Worker worker;
    private final Thread thread;

    public WorkerFixture(String node, Path cas, Path volumes, Map<String, String> extra) throws InterruptedException {
        this(TestKafka.bootstrap(), node, cas, volumes, extra);
    }

    public WorkerFixture(String bootstrap, String node, Path cas, Path volumes, Map<String, String> extra) throws InterruptedException {
        this(bootstrap, node, cas, volumes, extra, null);
    }

    /** With the test's tracing (null: the worker's own, from its settings). */
    public WorkerFixture(String bootstrap, String node, Path cas, Path volumes, Map<String, String> extra,
                         dev.tinyvol.worker.tracing.Tracing tracing) throws InterruptedException {
        this.node = node;
        this.cas = cas;
        this.volumes = volumes;
        this.config = config(bootstrap, node, cas, volumes, extra);
        this.worker = tracing == null ? new Worker(config) : new Worker(config, tracing);
        this.thread = new Thread(worker::run, "worker-" + node);
        thread.start();
        if (!worker.awaitAssigned(Duration.ofSeconds(60))) {
            throw new IllegalStateException("worker " + node + " got no partitions within 60 s");
        }
    }

    public static WorkerConfig config(String bootstrap, String node, Path cas, Path volumes, Map<String, String> extra) {
        Properties p = new Properties();
        p.setProperty("node", node);
        p.setProperty("cas.dir", cas.toString());
        p.setProperty("volumes.dir", volumes.toString());
        p.setProperty("kafka.bootstrap.servers", bootstrap);
        p.setProperty("retry.backoff", "20ms");
        extra.forEach(p::setProperty);
        return WorkerConfig.from(p, Map.of());
    }

    public Worker worker() {
        return worker;
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return !thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        worker.stop();
        worker.awaitFinished(Duration.ofSeconds(60));
        thread.join(10_000);
        worker.close();
    }

    /** Sends requests and collects every result committed to the results topic, by requestId. */
    public static final class Client implements AutoCloseable {
        public final RequestSender sender;
        private final ResultWatcher watcher;
        private final Map<String, java.util.List<Result>> results = new ConcurrentHashMap<>();

        public Client() {
            this(TestKafka.bootstrap());
        }

        public Client(String bootstrap) {
            this(bootstrap, "tinyvol.results");
        }

        /** A client reading results from another topic (a worker with topic.results set). */
        public Client(String bootstrap, String resultsTopic) {
            Map<String, Object> kafka = Map.of("bootstrap.servers", bootstrap);
            this.sender = new RequestSender(kafka);
            this.watcher = new ResultWatcher(kafka, resultsTopic, true);
        }

        /**
         * Sends raw JSON to the node's topic as any Kafka client would, {@code $ID} and {@code $NODE}
         * replaced by a new requestId and the node; returns the requestId.
         */
        public String send(String node, String key, String json) {
            String id = java.util.UUID.randomUUID().toString();
            sender.sendRaw("tinyvol.requests." + node, key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    json.replace("$ID", id).replace("$NODE", node).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return id;
        }

        /** Waits until a result for {@code requestId} is committed and returns it. */
        public Result await(String requestId, Duration timeout) {
            if (!results.containsKey(requestId)) {
                watcher.read(timeout, this::keep, r -> results.containsKey(requestId));
            }
            java.util.List<Result> found = results.get(requestId);
            if (found == null) {
                throw new AssertionError("no result for " + requestId + " within " + timeout);
            }
            return found.get(0);
        }

        /** Reads for {@code quiet} more, then returns every result seen, by requestId. */
        public Map<String, java.util.List<Result>> all(Duration quiet) {
            watcher.read(quiet, this::keep, r -> false);
            return results;
        }

        private void keep(Result r) {
            results.computeIfAbsent(r.requestId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(r);
        }

        @Override
        public void close() {
            sender.close();
            watcher.close();
        }
    }
}
