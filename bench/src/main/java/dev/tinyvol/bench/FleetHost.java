package dev.tinyvol.bench;

import dev.tinyvol.worker.Worker;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.progress.Progress;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many workers in one JVM, for the fleet benchmark: {@code FleetHost BOOTSTRAP DIR SAMPLE_TREE NODE...}
 * ({@code -Dtinyvol.bench.fetch.max.wait.ms=N} sets the workers' {@code kafka.fetch.max.wait.ms}).
 * Each node gets its own CAS (the sample tree ingested as ref {@code sample}) and volumes under
 * {@code DIR/<node>}, and its own worker with production settings but one request thread; prints
 * {@code READY} once every worker has its partition, and stops them all when stdin closes.
 */
public final class FleetHost {

    private FleetHost() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        Path dir = Path.of(args[1]);
        Path sample = Path.of(args[2]);
        List<String> nodes = List.of(args).subList(3, args.length);
        ExecutorService starting = Executors.newFixedThreadPool(8);
        List<Future<Worker>> futures = new ArrayList<>();
        for (String node : nodes) {
            futures.add(starting.submit(() -> start(bootstrap, dir.resolve(node), sample, node)));
        }
        List<Worker> workers = new ArrayList<>();
        for (Future<Worker> f : futures) {
            workers.add(f.get());
        }
        starting.shutdown();
        System.out.println("READY " + workers.size());
        System.out.flush();
        // Runs until the benchmark closes our stdin (or dies, which closes it too).
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        workers.parallelStream().forEach(Worker::stop);
        for (Worker w : workers) {
            w.awaitFinished(Duration.ofSeconds(30));
            w.close();
        }
        System.exit(0);
    }

    private static Worker start(String bootstrap, Path home, Path sample, String node) throws Exception {
        Path cas = home.resolve("cas");
        if (!Files.exists(home.resolve("ingested"))) {
            new Ingester(Cas.create(cas), 1).ingest(sample, "sample", 1, Progress.NONE);
            Files.writeString(home.resolve("ingested"), "sample\n");
        }
        Properties p = new Properties();
        p.setProperty("node", node);
        p.setProperty("cas.dir", cas.toString());
        p.setProperty("volumes.dir", home.resolve("volumes").toString());
        p.setProperty("kafka.bootstrap.servers", bootstrap);
        p.setProperty("topics.create", "false"); // pre-created for the whole fleet, as docs/operations.md says
        p.setProperty("concurrency", "1");
        p.setProperty("file.threads", "1");
        p.setProperty("registry.pulls", "1");
        String fetchWait = System.getProperty("tinyvol.bench.fetch.max.wait.ms");
        if (fetchWait != null && !fetchWait.isEmpty()) {
            p.setProperty("kafka.fetch.max.wait.ms", fetchWait); // docs/operations.md: fewer idle fetches, at the cost of first-request latency
        }
        Worker worker = new Worker(WorkerConfig.from(p, Map.of()));
        Thread loop = new Thread(worker::run, "worker-" + node);
        loop.setDaemon(true);
        loop.start();
        if (!worker.awaitAssigned(Duration.ofMinutes(5))) {
            throw new IllegalStateException("worker " + node + " got no partition within 5 minutes");
        }
        return worker;
    }
}
