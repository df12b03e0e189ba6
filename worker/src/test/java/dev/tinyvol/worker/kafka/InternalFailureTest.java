package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.HoldVolumeLock;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's own failures answer the request FAILED with code INTERNAL and the worker goes on:
 * here the answer store throws (its file for the requestId is a directory) for a request whose
 * deadline passes while it waits behind a slow request of the same volume, the case that used to
 * re-parse the record, find it EXPIRED, and crash the loop on a cast.
 */
class InternalFailureTest {

    @TempDir
    Path tmp;

    @Test
    void aFailingAnswerStoreAfterTheDeadlinePassedAnswersInternalAndTheWorkerGoesOn() throws Exception {
        String node = "internal-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        String doomed = "doomed-" + UUID.randomUUID();
        try (WorkerFixture worker = new WorkerFixture(node, cas, volumes, Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            Files.createDirectories(volumes.resolve(".tinyvol/answers/" + sha256(doomed) + ".json"));
            Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    HoldVolumeLock.class.getName(), volumes.toString(), "v1").redirectErrorStream(true).start();
            try {
                assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine());
                String slow = client.send(node, "v1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"v1\",\"manifestRef\":\"rootfs\"}");
                client.send(node, "v1", "{\"requestId\":\"" + doomed + "\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\","
                        + "\"volume\":\"v1\",\"deadline\":\"" + Instant.now().plusMillis(1500) + "\"}");
                Thread.sleep(2500); // the deadline passes while the teardown waits behind the assembly
                holder.getOutputStream().close();
                assertEquals(Status.SUCCEEDED, client.await(slow, Duration.ofSeconds(60)).status());
                Result failed = client.await(doomed, Duration.ofSeconds(60));
                assertEquals(Status.FAILED, failed.status());
                assertEquals("INTERNAL", failed.errors().get(0).code());
                assertNull(failed.errors().get(0).path());
                assertTrue(failed.errors().get(0).message().contains("goes on serving"), failed.errors().toString());
            } finally {
                holder.destroy();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
            Result after = client.await(client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}"),
                    Duration.ofSeconds(60));
            assertEquals(Status.SUCCEEDED, after.status(), "the worker goes on");
            assertEquals(1, after.volumes().size());
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
