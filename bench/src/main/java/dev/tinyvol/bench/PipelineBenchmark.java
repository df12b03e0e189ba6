package dev.tinyvol.bench;

import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.bench.TreeGenerator;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request → result through a real broker and a worker process, next to Kafka's own round trip with
 * the same client settings, in one run:
 * <ol>
 *   <li>latency p50/p99 of ASSEMBLE requests for a 200-file manifest (each followed by a TEARDOWN);</li>
 *   <li>throughput of a burst of small requests (TEARDOWNs of absent volumes, one volume each);</li>
 *   <li>the bare round trip: client → request topic → relay (consume + produce + offsets in one
 *       transaction per poll, read_committed) → result topic → client;</li>
 *   <li>the worker's resident memory while it assembles a 100,000-file manifest.</li>
 * </ol>
 */
public final class PipelineBenchmark {

    static final String NODE = "bench-node";
    /** The worker's JVM settings for a small footprint (as config/tinyvol-worker.service will use). */
    static final List<String> WORKER_JVM = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx128m", "-Xss512k",
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=96m");

    private final Path dir;
    private final int latencyRounds;
    private final int burst;
    private final int bigFiles;
    private LocalKafka kafka;
    private Process worker;

    /** Extra lines for the worker's configuration ({@code --set KEY=VALUE}), to compare settings. */
    private final List<String> workerSettings = new java.util.ArrayList<>();

    PipelineBenchmark(Path dir, int latencyRounds, int burst, int bigFiles) {
        this.dir = dir.toAbsolutePath().normalize();
        this.latencyRounds = latencyRounds;
        this.burst = burst;
        this.bigFiles = bigFiles;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/pipeline-bench");
        int rounds = 200;
        int burst = 5000;
        int big = 100_000;
        List<String> settings = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--burst" -> burst = Integer.parseInt(args[++i]);
                case "--big-files" -> big = Integer.parseInt(args[++i]);
                case "--set" -> settings.add(args[++i]);
                default -> {
                    System.err.println("usage: bin/tinyvol-bench-pipeline [--dir D] [--rounds 200] [--burst 5000] [--big-files 100000|0] [--set KEY=VALUE (a worker setting; repeatable)]");
                    System.exit(2);
                }
            }
        }
        PipelineBenchmark bench = new PipelineBenchmark(dir, rounds, burst, big);
        bench.workerSettings.addAll(settings);
        try {
            bench.run();
        } finally {
            bench.stop();
        }
        System.exit(0);
    }

    void run() throws Exception {
        Files.createDirectories(dir);
        kafka = LocalKafka.start(dir.resolve("kafka"), 0);
        Path cas = dir.resolve("cas");
        Path ready = dir.resolve("cas.ready-" + bigFiles);
        if (!Files.exists(ready)) {
            say("generating and ingesting the sample trees (once per --dir) ...");
            Ingester ingester = new Ingester(Cas.create(cas), 4);
            new TreeGenerator(200, 20, 4, 0.3, 1024, 16 * 1024, 0.05, 0, 7).write(dir.resolve("tree-200"));
            ingester.ingest(dir.resolve("tree-200"), "m200", 2, Progress.NONE);
            if (bigFiles > 0) {
                TreeGenerator.benchmark(bigFiles).write(dir.resolve("tree-big"));
                ingester.ingest(dir.resolve("tree-big"), "big", 2, Progress.NONE);
            }
            Files.writeString(ready, "ok\n");
        }
        Path volumes = dir.resolve("volumes");
        Path config = dir.resolve("worker.properties");
        Files.writeString(config, String.join("\n", "node=" + NODE, "cas.dir=" + cas, "volumes.dir=" + volumes,
                "kafka.bootstrap.servers=" + kafka.bootstrap(), "max.buffered=10000", String.join("\n", workerSettings), ""));
        if (!workerSettings.isEmpty()) {
            say("worker settings added: " + workerSettings);
        }
        startWorker(config);
        try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            // 1. Latency of a 200-file assembly, each followed by its teardown; 20 warm-up pairs.
            long[] latency = new long[latencyRounds];
            long[] assembly = new long[latencyRounds];
            for (int i = -20; i < latencyRounds; i++) {
                Request assemble = request(Action.ASSEMBLE, "lat", "m200");
                long t0 = System.nanoTime();
                Result r = client.submit(assemble, Duration.ofMinutes(5)).join();
                long t1 = System.nanoTime();
                if (r.status() != Status.SUCCEEDED || r.filesLinked() != 200) {
                    throw new IllegalStateException("unexpected result " + r);
                }
                client.submit(request(Action.TEARDOWN, "lat", null), Duration.ofMinutes(5)).join();
                if (i >= 0) {
                    latency[i] = (t1 - t0) / 1000;
                    assembly[i] = r.durationMs() * 1000;
                }
            }
            // 2. A burst of small requests, sent as fast as the producer takes them.
            List<Request> requests = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                requests.add(request(Action.TEARDOWN, "b-" + i, null));
            }
            long b0 = System.nanoTime();
            List<CompletableFuture<Result>> answers = requests.stream().map(r -> client.submit(r, Duration.ofMinutes(5))).toList();
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
            long b1 = System.nanoTime();

            // 3. Kafka's own round trip with the same settings.
            long[] bare = new BareRoundTrip(kafka.bootstrap()).measure(500, 50);

            // 4. Resident memory while assembling the big manifest.
            long rssPeak = 0;
            long bigMs = 0;
            if (bigFiles > 0) {
                Request big = request(Action.ASSEMBLE, "big", "big");
                AtomicLong peak = new AtomicLong();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        peak.accumulateAndGet(rssKb(worker.pid()), Math::max);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                sampler.start();
                Result r = client.submit(big, Duration.ofMinutes(10)).join();
                sampler.interrupt();
                sampler.join();
                if (r.status() != Status.SUCCEEDED) {
                    throw new IllegalStateException("big assembly failed: " + r.errors());
                }
                rssPeak = peak.get();
                bigMs = r.durationMs();
                client.submit(request(Action.TEARDOWN, "big", null), Duration.ofMinutes(5)).join();
            }

            Arrays.sort(latency);
            Arrays.sort(assembly);
            say("");
            say("pipeline benchmark, %s", java.time.LocalDate.now());
            say("  request → result, ASSEMBLE of a 200-file manifest (%d requests): p50 %.1f ms, p99 %.1f ms; worker-reported assembly p50 %.1f ms, p99 %.1f ms",
                    latencyRounds, pct(latency, 50) / 1000.0, pct(latency, 99) / 1000.0, pct(assembly, 50) / 1000.0, pct(assembly, 99) / 1000.0);
            say("  bare Kafka round trip (500 messages, same settings): p50 %.1f ms, p99 %.1f ms",
                    pct(bare, 50) / 1000.0, pct(bare, 99) / 1000.0);
            double target = 2 * pct(bare, 99) / 1000.0 + pct(assembly, 99) / 1000.0;
            say("  target p99 ≤ 2 × bare p99 + assembly p99 = %.1f ms: %s", target, pct(latency, 99) / 1000.0 <= target ? "met" : "NOT met");
            say("  burst of %d small requests: all answered in %.2f s = %,.0f requests/s",
                    burst, (b1 - b0) / 1e9, burst / ((b1 - b0) / 1e9));
            if (bigFiles > 0) {
                say("  worker (JVM %s) peak RSS while assembling %,d files in %d ms: %d MB",
                        String.join(" ", WORKER_JVM), bigFiles, bigMs, rssPeak / 1024);
            }
        }
    }

    private static Request request(Action action, String volume, String ref) {
        return new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), null, action, NODE, volume, ref, null,
                RequestOptions.DEFAULTS, null);
    }

    private void startWorker(Path config) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(WORKER_JVM);
        command.addAll(List.of("-Dtinyvol.log.level=INFO", "-cp", System.getProperty("java.class.path"),
                "dev.tinyvol.worker.cli.TinyVolCli", "worker", "--config", config.toString()));
        Path log = dir.resolve("worker.log");
        Files.deleteIfExists(log);
        worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.readString(log).contains("assigned [")) {
            if (!worker.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the worker did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    private void stop() {
        if (worker != null) {
            worker.destroy();
            try {
                worker.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (kafka != null) {
            kafka.stop();
        }
    }

    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
    }
}
