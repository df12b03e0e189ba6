package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that did not stop cleanly (the marker it keeps while running is still there) checks
 * every volume it built when it starts again, and a volume that is not whole is no longer reported
 * UNCHANGED: assembling it is refused until it is replaced.
 */
class UncleanStopTest {

    @TempDir
    Path tmp;

    @Test
    void afterAnUncleanStopDamagedVolumesAreFoundAndRebuiltNotReportedUnchanged() throws Exception {
        String node = "unclean-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        String build = "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"$V\",\"manifestRef\":\"rootfs\"}";
        try (WorkerFixture worker = new WorkerFixture(node, cas, volumes, Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            for (String v : List.of("whole", "broken")) {
                assertEquals(Status.SUCCEEDED, client.await(client.send(node, v, build.replace("$V", v)), Duration.ofSeconds(60)).status());
            }
            assertEquals(List.of(), worker.worker().recovery().get(), "a clean start checks nothing");
        }
        assertFalse(Files.exists(volumes.resolve(".tinyvol/worker.running")), "a clean stop removes the marker");

        // As after a power loss: the marker is there, and a file of one volume never reached the disk.
        Files.writeString(volumes.resolve(".tinyvol/worker.running"), "crashed\n");
        Files.delete(volumes.resolve("broken/usr/bin/tool"));
        try (WorkerFixture worker = new WorkerFixture(node, cas, volumes, Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            assertEquals(List.of("broken"), worker.worker().recovery().get(60, TimeUnit.SECONDS));
            Result whole = client.await(client.send(node, "whole", build.replace("$V", "whole")), Duration.ofSeconds(60));
            assertEquals("UNCHANGED", whole.outcome());
            Result refused = client.await(client.send(node, "broken", build.replace("$V", "broken")), Duration.ofSeconds(60));
            assertEquals("VOLUME_EXISTS", refused.errors().get(0).code(), "not reported UNCHANGED");
            Result rebuilt = client.await(client.send(node, "broken", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"broken\",\"manifestRef\":\"rootfs\",\"options\":{\"replace\":true}}"), Duration.ofSeconds(60));
            assertEquals("REPLACED", rebuilt.outcome());
            assertTrue(Files.exists(volumes.resolve("broken/usr/bin/tool")));
        }
    }

}
