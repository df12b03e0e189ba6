package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.tinyvol.devbroker.LocalKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker process stopped and started again while requests flow: every request answered once. */
class BrokerRestartTest {

    @TempDir
    Path tmp;

    @Test
    void brokerStoppedAndRestartedWhileRequestsFlowLosesNothing() throws Exception {
        String node = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        List<String> ids = new CopyOnWriteArrayList<>();
        // A broker of this test's own, whatever the other tests use, since this one stops it.
        try (LocalKafka broker = TestKafka.startLocal();
             WorkerFixture worker = new WorkerFixture(broker.bootstrap(), node, cas, tmp.resolve("volumes"), Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client(broker.bootstrap())) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < 120; i++) {
                    String volume = "v-" + (i % 40);
                    String action = i < 40 ? "ASSEMBLE" : i < 80 ? "VERIFY" : "TEARDOWN";
                    ids.add(client.send(node, volume, "{\"requestId\":\"$ID\",\"action\":\"" + action
                            + "\",\"node\":\"$NODE\",\"volume\":\"" + volume + "\",\"manifestRef\":\"rootfs\"}"));
                    sleep(25);
                }
            }, "sender");
            sender.start();
            while (ids.size() < 30) {
                sleep(10);
            }
            broker.stop();
            int sentWhileUp = ids.size();
            sleep(3000);
            broker.restart();
            sender.join(180_000);

            for (String id : ids) {
                client.await(id, Duration.ofSeconds(120));
            }
            Map<String, List<Result>> results = client.all(Duration.ofSeconds(2));
            long answered = ids.stream().filter(results::containsKey).count();
            long duplicated = ids.stream().filter(id -> results.get(id).size() > 1).count();
            long failed = ids.stream().filter(id -> results.get(id).get(0).status() != Status.SUCCEEDED).count();
            System.out.printf("broker restart test: sent %d (%d before the broker stopped), answered %d, lost %d, duplicated %d, failed %d%n",
                    ids.size(), sentWhileUp, answered, ids.size() - answered, duplicated, failed);
            assertEquals(120, ids.size());
            assertEquals(ids.size(), answered, "lost");
            assertEquals(0, duplicated, "duplicated");
            assertEquals(0, failed, "failed: " + ids.stream().map(id -> results.get(id).get(0)).filter(r -> r.status() != Status.SUCCEEDED)
                    .map(r -> r.action() + " " + r.volume() + " " + r.errors()).toList());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
