package dev.tinyvol.bench;

import dev.tinyvol.bench.Procs.Usage;
import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.worker.bench.TreeGenerator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * docs/operations.md's "Running 10,000 nodes" (figures: docs/speed.md, "A fleet"), measured on the dev broker: the topics of N nodes (a request
 * topic and a dead-letter topic each, one partition apiece) and {@code tinyvol.results}; how long
 * creating them takes; the broker's memory, open files and start time with them; W workers (in J
 * JVMs) idle for a while, with the broker's and the workers' CPU and the request → result latency of
 * one node among them beside Kafka's own round trip; and one assembly rolled out to all W with
 * {@code tinyvol fleet assemble}. One run, one table.
 */
public final class FleetBenchmark {

    private final Path dir;
    private final int nodes;
    private final int workers;
    private final int jvms;
    private final int idleSeconds;
    private final int brokers;
    private final Integer fetchWaitMs;
    private final List<String> table = new ArrayList<>();
    private final List<LocalKafka> cluster = new ArrayList<>();
    private final List<Process> hosts = new ArrayList<>();

    FleetBenchmark(Path dir, int nodes, int workers, int jvms, int idleSeconds, int brokers, Integer fetchWaitMs) {
        this.fetchWaitMs = fetchWaitMs;
        this.dir = dir.toAbsolutePath().normalize();
        this.nodes = nodes;
        this.workers = workers;
        this.jvms = jvms;
        this.idleSeconds = idleSeconds;
        this.brokers = brokers;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/fleet-bench");
        int nodes = 10_000;
        int workers = 200;
        int jvms = 4;
        int idle = 60;
        int brokers = 1;
        Integer fetchWait = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--jvms" -> jvms = Integer.parseInt(args[++i]);
                case "--idle" -> idle = Integer.parseInt(args[++i]);
                case "--brokers" -> brokers = Integer.parseInt(args[++i]);
                case "--fetch-wait-ms" -> fetchWait = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: bin/tinyvol-bench-fleet [--dir D] [--nodes 10000] [--workers 200] [--jvms 4] "
                            + "[--idle 60] [--brokers 1] [--fetch-wait-ms N: the workers' fetch.max.wait.ms]   (D is emptied first)");
                    System.exit(2);
                }
            }
        }
        FleetBenchmark bench = new FleetBenchmark(dir, nodes, workers, jvms, idle, brokers, fetchWait);
        try {
            bench.run();
        } finally {
            bench.stop();
        }
        System.exit(0);
    }

    static String node(int i) {
        return String.format(Locale.ROOT, "node-%05d", i);
    }

    void run() throws Exception {
        if (Files.exists(dir)) {
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        LocalKafka first = LocalKafka.start(dir.resolve("kafka-1"), 0);
        cluster.add(first);
        for (int b = 2; b <= brokers; b++) {
            cluster.add(first.addBroker(dir.resolve("kafka-" + b), b));
        }
        row("brokers started (empty)", ms(t0) + " ms", brokers + " process(es), heap -Xmx" + System.getProperty("tinyvol.devbroker.heap", "512m"));
        row("broker memory, empty", brokersMemory(), "");
        String bootstrap = first.bootstrap();
        Map<String, Object> kafka = Map.of("bootstrap.servers", bootstrap);

        // 1. The topics of the fleet.
        long c0 = System.nanoTime();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", 120_000,
                "default.api.timeout.ms", 300_000))) {
            admin.createTopics(List.of(new NewTopic(Topics.RESULTS, 16, (short) 1))).all().get(5, TimeUnit.MINUTES);
            int batch = 1000;
            for (int from = 1; from <= nodes; from += batch / 2) {
                List<NewTopic> topics = new ArrayList<>();
                for (int i = from; i < from + batch / 2 && i <= nodes; i++) {
                    topics.add(new NewTopic(Topics.requests(node(i)), 1, (short) 1));
                    topics.add(new NewTopic(Topics.deadLetters(node(i)), 1, (short) 1));
                }
                admin.createTopics(topics).all().get(10, TimeUnit.MINUTES);
                System.out.printf(Locale.ROOT, "  created topics of nodes up to %d (%d s)%n", Math.min(nodes, from + batch / 2 - 1),
                        ms(c0) / 1000);
            }
            long created = ms(c0);
            // Created is not yet visible everywhere: wait until the broker's metadata lists them all.
            int expected = 2 * nodes + 1;
            int listed = 0;
            while (ms(c0) < 600_000 && (listed = (int) admin.listTopics().names().get(5, TimeUnit.MINUTES).stream()
                    .filter(t -> t.startsWith("tinyvol.")).count()) < expected) {
                Thread.sleep(500);
            }
            row("topics created", created + " ms", expected + " topics, " + (2 * nodes + 16) + " partitions ("
                    + String.format(Locale.ROOT, "%.0f", (2.0 * nodes) / (created / 1000.0)) + " partitions/s, batches of 1000)");
            row("... all listed in the metadata", ms(c0) + " ms", listed + " of " + expected + " listed");
        }
        row("broker memory, with them", brokersMemory(), "");

        // 2. A restart with them.
        long s0 = System.nanoTime();
        for (LocalKafka k : cluster.reversed()) {
            k.stop();
        }
        row("brokers stopped (SIGTERM)", ms(s0) + " ms", "");
        long r0 = System.nanoTime();
        for (LocalKafka k : cluster) {
            k.restart();
        }
        row("brokers started, with the fleet's topics", ms(r0) + " ms", "until each logs \"Kafka Server started\" and takes connections");
        row("broker memory, after that start", brokersMemory(), "");

        long[] bareBefore = new BareRoundTrip(bootstrap).measure(50, 10);
        row("Kafka's own round trip, no workers", percentiles(bareBefore), "client → topic → relay (transactional) → topic → client");

        // 3. The workers.
        Path sample = dir.resolve("sample-tree");
        new TreeGenerator(200, 20, 4, 0.3, 1024, 16 * 1024, 0.05, 0, 7).write(sample);
        long w0 = System.nanoTime();
        startHosts(bootstrap, sample);
        row("workers started", ms(w0) + " ms", workers + " workers in " + jvms + " JVMs, each with its own CAS (200 files ingested)");
        Thread.sleep(5000); // let the last ones settle into their groups

        // 4. Idle, with one node's requests timed.
        List<Long> pids = hosts.stream().map(Process::pid).toList();
        Usage brokerStart = Procs.usage(cluster.stream().map(LocalKafka::pid).toList());
        Usage hostsStart = Procs.usage(pids);
        List<Long> latencies = new ArrayList<>();
        try (TinyVolClient client = TinyVolClient.connect(kafka)) {
            long end = System.nanoTime() + Duration.ofSeconds(idleSeconds).toNanos();
            while (System.nanoTime() < end) {
                Request list = new Request(1, UUID.randomUUID().toString(), "fleet-bench", Action.LIST, node(1), null, null,
                        null, RequestOptions.DEFAULTS, null, null);
                long q0 = System.nanoTime();
                Result r = client.submit(list, Duration.ofMinutes(1)).get(2, TimeUnit.MINUTES);
                latencies.add((System.nanoTime() - q0) / 1000);
                if (r.status() != Status.SUCCEEDED) {
                    throw new IllegalStateException("LIST on " + node(1) + ": " + r);
                }
                Thread.sleep(1000);
            }
        }
        Usage brokerEnd = Procs.usage(cluster.stream().map(LocalKafka::pid).toList());
        Usage hostsEnd = Procs.usage(pids);
        double seconds = (brokerEnd.wallNanos() - brokerStart.wallNanos()) / 1e9;
        row("broker CPU, " + workers + " workers idle", String.format(Locale.ROOT, "%.1f%% of a core", 100.0 * (brokerEnd.cpuSeconds()
                - brokerStart.cpuSeconds()) / seconds), String.format(Locale.ROOT, "over %.0f s, one LIST a second to %s", seconds, node(1)));
        row("workers' CPU, idle", String.format(Locale.ROOT, "%.1f%% of a core", 100.0 * (hostsEnd.cpuSeconds() - hostsStart.cpuSeconds())
                / seconds), String.format(Locale.ROOT, "all %d together (%.2f%% each)", workers, 100.0 * (hostsEnd.cpuSeconds()
                - hostsStart.cpuSeconds()) / seconds / workers));
        row("workers' memory", Procs.rssMib(pids) + " MiB RSS", String.format(Locale.ROOT, "%d JVMs, %.1f MiB per worker", jvms,
                Procs.rssMib(pids) / (double) workers));
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        row("request → result, " + node(1) + " among them", percentiles(lat), lat.length + " LIST requests, one a second");
        long[] bareAfter = new BareRoundTrip(bootstrap).measure(50, 10);
        row("Kafka's own round trip, workers idle", percentiles(bareAfter), "");
        row("broker memory, workers idle", brokersMemory(), "");

        // 5. One assembly to all of them, as an operator would roll it out.
        Path nodesFile = dir.resolve("nodes.txt");
        StringBuilder list = new StringBuilder();
        for (int i = 1; i <= workers; i++) {
            list.append(node(i)).append('\n');
        }
        Files.writeString(nodesFile, list);
        rollout(bootstrap, nodesFile, "web-1", "fleet assemble to " + workers + " nodes");
        // Again, now that every worker has served a request (its JVM's code warm, its clients connected).
        rollout(bootstrap, nodesFile, "web-2", "... and a second one (web-2)");
    }

    /** {@code tinyvol fleet assemble} of the sample to every node in {@code nodesFile}, timed; fails unless all succeed. */
    private void rollout(String bootstrap, Path nodesFile, String volume, String what) {
        String[] args = {"fleet", "assemble", "--bootstrap", bootstrap, "--nodes-file", nodesFile.toString(), "--ref", "sample",
                "--volume", volume, "--timeout", "5m"};
        var cli = dev.tinyvol.worker.cli.TinyVolCli.commandLine(args);
        java.io.StringWriter out = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        long f0 = System.nanoTime();
        int exit = cli.execute(args);
        long rolled = ms(f0);
        long succeeded = out.toString().lines().filter(l -> l.contains("SUCCEEDED")).count();
        row(what, rolled + " ms", "exit " + exit + ", " + succeeded + " SUCCEEDED (200-file volume each)");
        if (exit != 0 || succeeded != workers) {
            System.out.println(out);
            throw new IllegalStateException("the rollout of " + volume + " did not succeed on every node");
        }
    }

    private void startHosts(String bootstrap, Path sample) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int perJvm = (workers + jvms - 1) / jvms;
        for (int j = 0; j < jvms; j++) {
            List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                    "-Dtinyvol.bench.fetch.max.wait.ms=" + (fetchWaitMs == null ? "" : fetchWaitMs),
                    "-Xmx" + Math.max(256, perJvm * 8) + "m", "-Xss512k", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), FleetHost.class.getName(), bootstrap,
                    dir.resolve("nodes").toString(), sample.toString()));
            for (int i = j * perJvm + 1; i <= Math.min(workers, (j + 1) * perJvm); i++) {
                command.add(node(i));
            }
            hosts.add(new ProcessBuilder(command).redirectError(dir.resolve("host-" + j + ".log").toFile()).start());
        }
        for (int j = 0; j < hosts.size(); j++) {
            BufferedReader out = new BufferedReader(new InputStreamReader(hosts.get(j).getInputStream()));
            String line = out.readLine();
            if (line == null || !line.startsWith("READY")) {
                throw new IllegalStateException("worker host " + j + " did not start: " + Files.readString(dir.resolve("host-" + j + ".log")));
            }
            System.out.println("  host " + j + ": " + line);
        }
    }

    private String brokersMemory() {
        List<String> parts = new ArrayList<>();
        for (LocalKafka k : cluster) {
            parts.add(Procs.rssMib(List.of(k.pid())) + " MiB RSS, " + Procs.openFiles(k.pid()) + " open files");
        }
        return String.join("; ", parts);
    }

    private static String percentiles(long[] micros) {
        long[] s = micros.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "p50 %.1f ms, p90 %.1f ms, max %.1f ms", s[s.length / 2] / 1000.0,
                s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.9) - 1)] / 1000.0, s[s.length - 1] / 1000.0);
    }

    private void row(String what, String value, String note) {
        String line = String.format(Locale.ROOT, "%-46s %-52s %s", what, value, note);
        table.add(line);
        System.out.println(line);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    void stop() throws Exception {
        for (Process host : hosts) {
            host.getOutputStream().close();
        }
        for (Process host : hosts) {
            if (!host.waitFor(60, TimeUnit.SECONDS)) {
                host.destroyForcibly().waitFor();
            }
        }
        for (LocalKafka k : cluster.reversed()) {
            k.kill();
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Fleet benchmark: %d nodes' topics, %d workers in %d JVMs, %d broker(s), %d cores, "
                + "workers' fetch.max.wait.ms %s%n", nodes, workers, jvms, brokers, Runtime.getRuntime().availableProcessors(),
                fetchWaitMs == null ? "5000 (the worker's default)" : fetchWaitMs);
        table.forEach(System.out::println);
        Files.write(dir.resolve("fleet-bench.txt"), table);
    }
}
