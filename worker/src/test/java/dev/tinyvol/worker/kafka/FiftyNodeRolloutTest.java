package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.client.FleetOutcome;
import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 50 workers (node-001 … node-050, each with its own CAS and volumes) against one broker: one
 * assembly rolled out to all and torn down again; every node answers each exactly once.
 */
class FiftyNodeRolloutTest {

    static final int NODES = 50;

    @TempDir
    Path tmp;

    @Test
    void rolloutToFiftyNodesAndTeardownEachAnsweredExactlyOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Path src = Trees.rootfs(tmp.resolve("src"));
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            nodes.add(String.format("node-%03d-%s", i, run));
        }
        List<WorkerFixture> workers = new ArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(10);
        long s0 = System.nanoTime();
        try {
            List<Future<WorkerFixture>> starting = new ArrayList<>();
            for (String node : nodes) {
                starting.add(starter.submit(() -> {
                    Path cas = tmp.resolve(node + "/cas");
                    new Ingester(Cas.create(cas), 1).ingest(src, "rootfs", 2, Progress.NONE);
                    return new WorkerFixture(node, cas, tmp.resolve(node + "/volumes"), Map.of("file.threads", "1", "concurrency", "1"));
                }));
            }
            for (Future<WorkerFixture> f : starting) {
                workers.add(f.get());
            }
            long startupMs = (System.nanoTime() - s0) / 1_000_000;

            Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
            try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
                client.onResult(r -> answers.computeIfAbsent(r.correlationId() + "/" + r.node(), k -> new AtomicInteger()).incrementAndGet());
                FleetOutcome rollout = client.fanOut(nodes, RequestTemplate.assemble("app", "rootfs"), Duration.ofMinutes(2), p -> { }).join();
                FleetOutcome teardown = client.fanOut(nodes, RequestTemplate.teardown("app"), Duration.ofMinutes(2), p -> { }).join();
                Thread.sleep(2000); // any duplicate would have arrived by now

                assertEquals(0, rollout.failures(), rollout.perNode().values().stream().filter(n -> !n.succeeded())
                        .map(n -> n.node() + " " + n.reason()).toList().toString());
                assertEquals(0, teardown.failures());
                for (String node : nodes) {
                    assertEquals("BUILT", rollout.perNode().get(node).result().outcome(), node);
                    assertEquals("REMOVED", teardown.perNode().get(node).result().outcome(), node);
                    assertEquals(1, answers.get(rollout.correlationId() + "/" + node).get(), "one rollout answer from " + node);
                    assertEquals(1, answers.get(teardown.correlationId() + "/" + node).get(), "one teardown answer from " + node);
                    assertTrue(!Files.exists(tmp.resolve(node + "/volumes/app")), node);
                }
                double rolloutS = rollout.elapsed().toMillis() / 1000.0;
                double teardownS = teardown.elapsed().toMillis() / 1000.0;
                System.out.printf("50-node test: %d workers started in %d ms; rollout to %d nodes %.2f s (%.0f results/s); "
                                + "teardown %.2f s (%.0f results/s); answers per node and request: exactly 1%n",
                        NODES, startupMs, NODES, rolloutS, NODES / rolloutS, teardownS, NODES / teardownS);
            }
        } finally {
            starter.shutdownNow();
            ExecutorService stopper = Executors.newFixedThreadPool(10);
            List<Future<?>> stopping = new ArrayList<>();
            for (WorkerFixture w : workers) {
                stopping.add(stopper.submit(() -> {
                    w.close();
                    return null;
                }));
            }
            for (Future<?> f : stopping) {
                f.get();
            }
            stopper.shutdownNow();
        }
    }

}
