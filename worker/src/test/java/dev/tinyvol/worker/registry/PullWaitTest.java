package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests waiting for a pull hold no request thread. A worker with one request thread
 * ({@code concurrency=1}) is asked for two volumes of an image while its registry hangs (the
 * registry process stopped with SIGSTOP mid-pull), then for a volume of content it has: that one is
 * built while the pull still hangs. Once the registry goes on, both image volumes are built from one
 * pull: one result reports the layers, the other pulled nothing.
 */
class PullWaitTest {

    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void requestsWaitingForAHungPullLeaveTheRequestThreadToOthers() throws Exception {
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
            Layer layer = TestImages.layer(Compression.GZIP, tar -> tar.file("srv/index.html", "<h1>waited</h1>\n", 0644));
            String image = registry.host() + "/wait/web:1";
            TestImages.push(push, ImageReference.parse(image), List.of(layer), "amd64");
            String node = "wait-" + UUID.randomUUID().toString().substring(0, 8);
            Path cas = tmp.resolve("cas");
            new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "local", 2, Progress.NONE);

            try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of("concurrency", "1"));
                 WorkerFixture.Client client = new WorkerFixture.Client()) {
                registry.freeze();
                String a = client.send(node, "img-a", assemble("img-a", "\"image\":\"" + image + "\""));
                String b = client.send(node, "img-b", assemble("img-b", "\"image\":\"" + image + "\""));
                String local = client.send(node, "local-1", assemble("local-1", "\"manifestRef\":\"local\""));

                // Built while the registry still hangs: the two waiting requests did not hold the one thread.
                Path built = worker.volumes.resolve("local-1");
                long until = System.nanoTime() + WAIT.toNanos();
                while (!Files.isDirectory(built) && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                assertTrue(Files.isDirectory(built), "local-1 was not built while the pull hung");
                assertFalse(Files.exists(worker.volumes.resolve("img-a")), "img-a built before its image came");
                assertFalse(Files.exists(worker.volumes.resolve("img-b")), "img-b built before its image came");
                registry.thaw();

                Result localResult = client.await(local, WAIT);
                assertEquals(Status.SUCCEEDED, localResult.status(), localResult.errors().toString());
                Result ra = client.await(a, WAIT);
                Result rb = client.await(b, WAIT);
                assertEquals(Status.SUCCEEDED, ra.status(), ra.errors().toString());
                assertEquals(Status.SUCCEEDED, rb.status(), rb.errors().toString());
                assertEquals(1, ra.pulledLayers() + rb.pulledLayers(), "one pull served both: " + ra + " / " + rb);
                assertEquals(layer.bytes().length, ra.pulledBytes() + rb.pulledBytes());
                assertEquals(ra.imageDigest(), rb.imageDigest());
                assertEquals("<h1>waited</h1>\n", Files.readString(worker.volumes.resolve("img-b/srv/index.html")));
            } finally {
                registry.thaw();
            }
        }
    }

    private static String assemble(String volume, String source) {
        return "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"" + volume + "\"," + source + "}";
    }
}
