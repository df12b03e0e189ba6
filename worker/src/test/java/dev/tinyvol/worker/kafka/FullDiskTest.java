package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker whose volumes filesystem is full answers with the specific error and keeps serving. */
class FullDiskTest {

    @TempDir
    Path tmp;

    @Test
    void aFullVolumesFilesystemIsAnsweredNoSpaceAndTheWorkerKeepsServing() throws Exception {
        String node = "full-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Trees.file(tmp.resolve("big"), "data.bin", "z".repeat(3 * 1024 * 1024), 0644);
        new Ingester(Cas.create(cas), 2).ingest(tmp.resolve("big"), "big", 2, Progress.NONE);
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("small")), "small", 2, Progress.NONE);
        // Volumes on a 1 MiB tmpfs: another filesystem, so files are copied, and the big one does not fit.
        try (Mount full = Mount.tmpfs(tmp.resolve("tiny"), "size=1m");
             WorkerFixture worker = new WorkerFixture(node, cas, full.point().resolve("volumes"), Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            Result failed = client.await(client.send(node, "b", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"b\",\"manifestRef\":\"big\"}"), Duration.ofSeconds(60));
            assertEquals(Status.FAILED, failed.status());
            assertEquals("NO_SPACE", failed.errors().get(0).code(), failed.errors().toString());
            assertEquals(1, failed.attempts(), "a full disk is not retried");
            assertFalse(Files.exists(full.point().resolve("volumes/b")), "no partial tree");

            Result next = client.await(client.send(node, "s", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"s\",\"manifestRef\":\"small\"}"), Duration.ofSeconds(60));
            assertEquals(Status.SUCCEEDED, next.status(), next.errors().toString());
            assertEquals(6, next.filesCopied());
        }
    }
}
