package dev.tinyvol.bench;

import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory as the store grows (issue 20, item 8): a worker at its shipped heap ({@link PipelineBenchmark#WORKER_JVM},
 * -Xmx128m) over a CAS of 1,000,000 instances (written straight to disk: small real blobs named by their
 * sha256; half of them named by 100 refs of 5,000 entries) measures the store (statistics, at start),
 * serves a dry-run and a real GC request, and takes a burst of 500 ASSEMBLE requests with inline manifests
 * of 5,000 entries each. Reports the peak heap (from the worker's GC log: the heap in use before each
 * collection), the peak RSS, and whether an OutOfMemoryError was logged.
 */
public final class StoreScaleBenchmark {

    private final Path dir;
    private final int instances;
    private final int requests;
    private final int entries;
    private LocalKafka kafka;
    private Process worker;

    StoreScaleBenchmark(Path dir, int instances, int requests, int entries) {
        this.dir = dir.toAbsolutePath().normalize();
        this.instances = instances;
        this.requests = requests;
        this.entries = entries;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/store-scale-bench");
        int instances = 1_000_000;
        int requests = 500;
        int entries = 5_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--instances" -> instances = Integer.parseInt(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--entries" -> entries = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: bin/tinyvol-bench-store-scale [--dir D] [--instances 1000000] [--requests 500] [--entries 5000]");
                    System.exit(2);
                }
            }
        }
        StoreScaleBenchmark bench = new StoreScaleBenchmark(dir, instances, requests, entries);
        int exit = 1;
        try {
            exit = bench.run() ? 0 : 1;
        } finally {
            bench.stop();
        }
        System.exit(exit);
    }

    static String digestOf(int i) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content(i)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] content(int i) {
        return ("blob " + i + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The store, written once per --dir: 4 threads, one small file per instance, no fsync. */
    private void generate(Path casDir) throws Exception {
        Cas cas = Cas.create(casDir);
        long t0 = System.nanoTime();
        var mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--"));
        for (int s = 0; s < 256; s++) {
            Files.createDirectories(cas.objectsDir().resolve(String.format("%02x", s)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> parts = new ArrayList<>();
        int slice = (instances + 3) / 4;
        for (int t = 0; t < 4; t++) {
            int from = t * slice;
            int to = Math.min(instances, from + slice);
            parts.add(pool.submit(() -> {
                for (int i = from; i < to; i++) {
                    String d = digestOf(i);
                    Path p = cas.objectsDir().resolve(d.substring(0, 2)).resolve(d);
                    try (SeekableByteChannel out = Files.newByteChannel(p, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE), mode)) {
                        out.write(ByteBuffer.wrap(content(i)));
                    }
                    if (i % 100_000 == 0) {
                        say("  %,d instances written", i);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        pool.shutdown();
        // Half of them live: 100 refs of 5,000 entries (0 … 499,999), each loaded alone by gc and statistics.
        ManifestStore refs = new ManifestStore(cas);
        int live = Math.min(instances / 2, 100 * 5000);
        for (int r = 0; r * 5000 < live; r++) {
            refs.save("ref-" + r, manifest("ref-" + r, r * 5000, 5000));
        }
        say("  store written: %,d instances, %,d named by refs, in %.0f s", instances, live, (System.nanoTime() - t0) / 1e9);
    }

    static Manifest manifest(String name, int first, int count) {
        TreeMap<String, ManifestEntry> map = new TreeMap<>();
        for (int j = 0; j < count; j++) {
            map.put("d" + (j / 500) + "/f" + j, FileEntry.v1(digestOf(first + j)));
        }
        return new Manifest(2, name, map);
    }

    boolean run() throws Exception {
        Files.createDirectories(dir);
        Path casDir = dir.resolve("cas");
        Path ready = dir.resolve("cas.ready-" + instances);
        if (!Files.exists(ready)) {
            say("writing a CAS of %,d instances (once per --dir) ...", instances);
            generate(casDir);
            Files.writeString(ready, "ok\n");
        }
        kafka = LocalKafka.start(dir.resolve("kafka"), 0);
        int httpPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            httpPort = s.getLocalPort();
        }
        Path volumes = dir.resolve("volumes");
        Path config = dir.resolve("worker.properties");
        Files.writeString(config, String.join("\n", "node=" + PipelineBenchmark.NODE, "cas.dir=" + casDir,
                "volumes.dir=" + volumes, "kafka.bootstrap.servers=" + kafka.bootstrap(), "http.port=" + httpPort,
                "http.host=127.0.0.1", "cas.gc.min.age=0s", ""));
        Path gcLog = dir.resolve("worker-gc.log");
        Files.deleteIfExists(gcLog);
        startWorker(config, gcLog);
        java.util.concurrent.atomic.AtomicLong rssPeak = new java.util.concurrent.atomic.AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                rssPeak.accumulateAndGet(PipelineBenchmark.rssKb(worker.pid()), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();

        long t0 = System.nanoTime();
        double blobs = waitForMetric(httpPort, "tinyvol_cas_blobs", Duration.ofMinutes(20));
        say("statistics (at start, on the upkeep thread): %,.0f blobs measured, %.0f s after start", blobs, (System.nanoTime() - t0) / 1e9);

        boolean ok = true;
        try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            long g0 = System.nanoTime();
            Result dry = client.submit(gc(true), Duration.ofMinutes(30)).join();
            say("GC dry run: %s %s in %.0f s", dry.status(), dry.gc(), (System.nanoTime() - g0) / 1e9);
            ok &= dry.status() == Status.SUCCEEDED;

            long b0 = System.nanoTime();
            List<CompletableFuture<Result>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int first = (i % 100) * 5000 % Math.max(1, instances / 2);
                Request r = new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), null, Action.ASSEMBLE,
                        PipelineBenchmark.NODE, "burst-" + i, null, manifest("inline-" + i, first, entries),
                        RequestOptions.DEFAULTS, null, null);
                answers.add(client.submit(r, Duration.ofMinutes(60)));
            }
            Map<Status, Integer> statuses = new EnumMap<>(Status.class);
            for (CompletableFuture<Result> a : answers) {
                Result r = a.join();
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() != Status.SUCCEEDED && statuses.get(r.status()) == 1) {
                    say("  e.g. %s: %s", r.status(), r.errors());
                }
            }
            say("burst of %d ASSEMBLE requests with inline manifests of %,d entries: %s in %.0f s", requests, entries,
                    statuses, (System.nanoTime() - b0) / 1e9);
            ok &= statuses.getOrDefault(Status.SUCCEEDED, 0) == requests;

            long p0 = System.nanoTime();
            Result purge = client.submit(new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), null, Action.PURGE,
                    PipelineBenchmark.NODE, null, null, null, RequestOptions.DEFAULTS, null, null), Duration.ofMinutes(30)).join();
            say("PURGE of the burst's volumes: %s in %.0f s", purge.status(), (System.nanoTime() - p0) / 1e9);

            g0 = System.nanoTime();
            Result gc = client.submit(gc(false), Duration.ofMinutes(30)).join();
            say("GC: %s %s in %.0f s", gc.status(), gc.gc(), (System.nanoTime() - g0) / 1e9);
            ok &= gc.status() == Status.SUCCEEDED;
        }
        sampler.interrupt();
        String log = Files.readString(dir.resolve("worker.log"));
        boolean oom = log.contains("OutOfMemoryError") || log.contains("ran out of memory");
        long[] heap = peakHeapMib(gcLog);
        say("");
        say("store scale benchmark, %s: worker JVM %s", java.time.LocalDate.now(), String.join(" ", PipelineBenchmark.WORKER_JVM));
        say("  CAS of %,d instances; peak heap in use %d MiB (before a collection; heap committed at most %d MiB), "
                + "peak live heap %d MiB (after a full collection), peak RSS %d MiB; OutOfMemoryError: %s; worker alive: %s",
                instances, heap[0], heap[1], heap[2], rssPeak.get() / 1024, oom ? "YES" : "no", worker.isAlive());
        return ok && !oom && worker.isAlive();
    }

    private static Request gc(boolean dryRun) {
        RequestOptions options = new RequestOptions(false, true, false, dryRun, null, false);
        return new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), null, Action.GC, PipelineBenchmark.NODE,
                null, null, null, options, null, null);
    }

    /**
     * {used before a collection, committed, live after a full collection} maxima in MiB, from -Xlog:gc
     * lines like "Pause Young ... 45M->12M(123M)": what a full collection leaves is what was reachable.
     */
    static long[] peakHeapMib(Path gcLog) throws IOException {
        Pattern p = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        long used = 0;
        long committed = 0;
        long live = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                used = Math.max(used, Long.parseLong(m.group(1)));
                committed = Math.max(committed, Long.parseLong(m.group(3)));
                if (line.contains("Pause Full")) {
                    live = Math.max(live, Long.parseLong(m.group(2)));
                }
            }
        }
        return new long[] {used, committed, live};
    }

    private static double waitForMetric(int port, String name, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (String line : body.split("\n")) {
                    if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        if (!Double.isNaN(v)) {
                            return v;
                        }
                    }
                }
            } catch (IOException e) {
                // not serving yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " never measured");
    }

    private void startWorker(Path config, Path gcLog) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(PipelineBenchmark.WORKER_JVM);
        command.addAll(List.of("-Xlog:gc:file=" + gcLog, "-Dtinyvol.log.level=INFO", "-cp", System.getProperty("java.class.path"),
                "dev.tinyvol.worker.cli.TinyVolCli", "worker", "--config", config.toString()));
        Path log = dir.resolve("worker.log");
        Files.deleteIfExists(log);
        worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + 120_000;
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

    static void say(String format, Object... args) {
        PipelineBenchmark.say(format, args);
    }
}
