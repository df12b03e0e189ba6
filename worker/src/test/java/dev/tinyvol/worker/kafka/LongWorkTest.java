package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.testing.HoldVolumeLock;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that takes three times {@code max.poll.interval.ms} (it waits for a volume lock another
 * process holds) does not get the worker thrown out of its group, and other volumes go on meanwhile.
 */
class LongWorkTest {

    @TempDir
    Path tmp;

    @Test
    void longWorkKeepsTheWorkerInItsGroupAndOtherVolumesMoving() throws Exception {
        String node = "long-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        try (WorkerFixture worker = new WorkerFixture(node, cas, volumes, Map.of("kafka.max.poll.interval.ms", "3000"));
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), HoldVolumeLock.class.getName(), volumes.toString(), "slow")
                    .redirectErrorStream(true).start();
            try {
                assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine());
                String slow = client.send(node, "slow", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"slow\",\"manifestRef\":\"rootfs\"}");
                String fast = client.send(node, "fast", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"fast\",\"manifestRef\":\"rootfs\"}");
                Thread.sleep(9000); // three max.poll.intervals with the slow one stuck on the lock
                holder.getOutputStream().close();
                Result slowResult = client.await(slow, Duration.ofSeconds(60));
                Result fastResult = client.await(fast, Duration.ofSeconds(60));
                assertEquals(Status.SUCCEEDED, slowResult.status(), slowResult.errors().toString());
                assertEquals(Status.SUCCEEDED, fastResult.status());
                assertTrue(slowResult.durationMs() >= 8000, "it really took long: " + slowResult.durationMs() + " ms");
                assertTrue(fastResult.finishedAt().isBefore(slowResult.finishedAt()), "another volume was not held up");
                assertEquals(0, worker.worker().partitionsTakenAway(), "never thrown out of the group");
            } finally {
                holder.destroy();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
