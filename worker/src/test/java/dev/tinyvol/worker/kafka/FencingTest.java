package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second worker started with the same node id takes over; the first stops, saying it was fenced. */
class FencingTest {

    @TempDir
    Path tmp;

    @Test
    void aSecondWorkerWithTheSameNodeIdFencesTheFirst() throws Exception {
        String node = "fence-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        try (WorkerFixture first = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            String before = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
            assertEquals(Status.SUCCEEDED, client.await(before, Duration.ofSeconds(60)).status());

            try (WorkerFixture second = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of())) {
                assertTrue(first.awaitStopped(Duration.ofSeconds(60)), "the first worker stopped");
                assertEquals(WorkerLoop.Exit.FENCED, first.worker().exit());
                String after = client.send(node, "v", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"v\",\"manifestRef\":\"rootfs\"}");
                assertEquals(Status.SUCCEEDED, client.await(after, Duration.ofSeconds(60)).status(), "the second one serves");
            }
        }
    }

    /**
     * Issue 20 item 7: the takeover as it happens on a node, a worker process and then another worker
     * with the same node id: the first exits with 4 (fenced; the shipped systemd unit does not restart
     * it), saying why, and the newcomer serves.
     */
    @Test
    void aWorkerProcessTakenOverExitsWithFour() throws Exception {
        String node = "fence-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        Path config = tmp.resolve("worker.properties");
        java.nio.file.Files.writeString(config, String.join("\n", "node=" + node, "cas.dir=" + cas,
                "volumes.dir=" + tmp.resolve("volumes"), "kafka.bootstrap.servers=" + dev.tinyvol.worker.testing.TestKafka.bootstrap(), ""));
        try (dev.tinyvol.worker.testing.WorkerProcess first = new dev.tinyvol.worker.testing.WorkerProcess(config,
                tmp.resolve("first.log")).start();
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            String before = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
            assertEquals(Status.SUCCEEDED, client.await(before, Duration.ofSeconds(60)).status());
            java.util.function.Supplier<String> log = () -> {
                try {
                    return first.logSoFar();
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            };
            try (WorkerFixture second = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of())) {
                assertEquals(4, first.awaitExit(Duration.ofSeconds(90)), log);
                assertTrue(log.get().contains("took over"), log);
                String after = client.send(node, "v", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"v\",\"manifestRef\":\"rootfs\"}");
                assertEquals(Status.SUCCEEDED, client.await(after, Duration.ofSeconds(60)).status(), "the second one serves");
            }
        }
    }
}
