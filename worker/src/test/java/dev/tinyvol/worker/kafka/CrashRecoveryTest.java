package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.assembly.VerifyReport;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import dev.tinyvol.worker.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as its own JVM, killed with SIGKILL in the middle of a burst of 240 requests and
 * started again: every request has exactly one committed result, every volume verifies, no staging
 * is left, and a SIGTERM then stops it cleanly with exit code 0.
 */
class CrashRecoveryTest {

    @TempDir
    Path tmp;

    @Test
    void sigkillMidBurstThenRestartLosesAndDuplicatesNothing() throws Exception {
        String node = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        // A tree big enough that 200 assemblies take seconds, so the kill lands mid-burst.
        Path src = Trees.rootfs(tmp.resolve("src"));
        new dev.tinyvol.worker.bench.TreeGenerator(1500, 80, 4, 0.3, 16, 256, 0.1, 20, 3).write(src.resolve("opt/generated"));
        new Ingester(Cas.create(cas), 2).ingest(src, "rootfs", 2, Progress.NONE);
        Path config = tmp.resolve("worker.properties");
        Files.writeString(config, String.join("\n", "node=" + node, "cas.dir=" + cas, "volumes.dir=" + volumes,
                "kafka.bootstrap.servers=" + TestKafka.bootstrap(), "concurrency=4", ""));

        List<String> ids = new ArrayList<>();
        try (WorkerProcess worker = new WorkerProcess(config, tmp.resolve("worker.log"))) {
            // The topics exist once a worker has started; start it, stop it, then publish the burst at once.
            worker.start();
            assertEquals(0, worker.terminate());
            try (WorkerFixture.Client client = new WorkerFixture.Client()) {
                burst(worker, client, node, ids, cas, volumes);
            }
        }
    }

    private static void burst(WorkerProcess worker, WorkerFixture.Client client, String node, List<String> ids, Path cas,
                              Path volumes) throws Exception {
        {
            // 200 assemblies of distinct volumes, and a teardown after every fifth, keyed by volume so each pair stays in order.
            for (int i = 0; i < 200; i++) {
                ids.add(client.send(node, "v-" + i, "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"v-" + i
                        + "\",\"manifestRef\":\"rootfs\"}"));
                if (i % 5 == 0) {
                    ids.add(client.send(node, "v-" + i, "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\",\"volume\":\"v-" + i + "\"}"));
                }
            }
            int sent = ids.size();
            worker.start();
            // Kill it once some, not all, results are committed.
            int before = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (before < 30 && System.currentTimeMillis() < deadline) {
                before = client.all(Duration.ofMillis(100)).size();
            }
            worker.kill();
            int answeredBeforeKill = client.all(Duration.ofMillis(500)).size();
            assertTrue(answeredBeforeKill < sent, "the kill came in the middle of the burst: " + answeredBeforeKill + "/" + sent);

            worker.start();
            for (String id : ids) {
                try {
                    client.await(id, Duration.ofSeconds(120));
                } catch (AssertionError e) {
                    String log = worker.log();
                    Files.writeString(Path.of("/tmp/crash-worker.log"), log);
                    throw new AssertionError(e.getMessage() + " (request " + ids.indexOf(id) + " of " + ids.size() + ", answered "
                            + client.all(Duration.ofMillis(100)).size() + "); worker log ends:\n" + log.substring(Math.max(0, log.length() - 3000)), e);
                }
            }
            Map<String, List<Result>> results = client.all(Duration.ofSeconds(2));
            long answered = ids.stream().filter(results::containsKey).count();
            long duplicated = ids.stream().filter(id -> results.containsKey(id) && results.get(id).size() > 1).count();
            long failed = ids.stream().filter(id -> results.get(id).get(0).status() != Status.SUCCEEDED).count();
            System.out.printf("SIGKILL test: sent %d, answered before kill %d, answered %d, lost %d, duplicated %d, failed %d%n",
                    sent, answeredBeforeKill, answered, sent - answered, duplicated, failed);
            assertEquals(sent, answered, "lost");
            assertEquals(0, duplicated, "duplicated");
            assertEquals(0, failed, "failed");

            try (VolumeService check = new VolumeService(Cas.open(cas), VolumeStore.open(volumes), 2)) {
                for (int i = 0; i < 200; i++) {
                    boolean tornDown = i % 5 == 0;
                    assertEquals(!tornDown, Files.exists(volumes.resolve("v-" + i)), "v-" + i);
                    if (!tornDown) {
                        VerifyReport report = check.verify("v-" + i, false);
                        assertTrue(report.clean(), "v-" + i + ": " + report.problems());
                    }
                }
            }
            try (Stream<Path> staging = Files.list(volumes.resolve(".tinyvol/staging"));
                 Stream<Path> trash = Files.list(volumes.resolve(".tinyvol/trash"))) {
                assertEquals(0, staging.count() + trash.count(), "no staging or trash left");
            }
            assertEquals(0, worker.terminate(), "SIGTERM stops the worker with exit code 0");
            assertTrue(worker.log().contains("stopped cleanly"), worker.log());
            assertTrue(worker.log().contains("did not stop cleanly"), "after the kill, the restart checked every volume");
            assertTrue(worker.log().contains("all whole"), worker.log());
            assertFalse(worker.log().contains("ERROR"), worker.log());
        }
    }
}
