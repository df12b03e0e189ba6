package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only volume asked for through Kafka ({@code options.readOnly}) is mounted read-only, says
 * so in its result and in LIST; after the worker stops and the mount is gone (what a reboot does),
 * the next worker start mounts it read-only again before it serves requests.
 */
class ReadOnlyRestoreTest {

    @TempDir
    Path tmp;

    @Test
    void theNextWorkerStartMountsAReadOnlyVolumeAgain() throws Exception {
        String node = "ro-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        Path volume = volumes.resolve("ro-1");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        try {
            try (WorkerFixture worker = new WorkerFixture(node, cas, volumes, Map.of());
                 WorkerFixture.Client client = new WorkerFixture.Client()) {
                String id = client.send(node, "ro-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"ro-1\",\"manifestRef\":\"rootfs\",\"options\":{\"readOnly\":true}}");
                Result r = client.await(id, Duration.ofSeconds(60));
                assertEquals(Status.SUCCEEDED, r.status(), r.errors().toString());
                assertEquals("read-only", r.protection());
                String list = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
                assertEquals("read-only", client.await(list, Duration.ofSeconds(60)).volumes().get(0).protection());
                assertReadOnly(volume);
            }
            Mount.run("umount", volume.toString()); // the reboot
            Files.writeString(volume.resolve("etc/app.conf"), "key=value\n"); // writable now: nothing protects it
            try (WorkerFixture again = new WorkerFixture(node, cas, volumes, Map.of())) {
                assertReadOnly(volume);
            }
        } finally {
            while (Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals(volume.toString()))) {
                Mount.run("umount", "-l", volume.toString());
            }
        }
    }

    private static void assertReadOnly(Path volume) {
        try {
            Files.writeString(volume.resolve("etc/app.conf"), "root was here\n");
        } catch (IOException e) {
            // By errno, not by the message's words (which follow the locale).
            assertEquals(dev.tinyvol.worker.errors.ErrorCode.READ_ONLY_FILESYSTEM,
                    dev.tinyvol.worker.errors.IoErrors.classify(e, volume.toString(), "writing").code(), e.toString());
            return;
        }
        throw new AssertionError("root wrote into the read-only volume " + volume);
    }
}
