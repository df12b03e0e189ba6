package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.testing.HostileRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that answers a layer's GET with its full Content-Length, sends half, and goes silent
 * (the socket stays open), and one that trickles a byte now and then so it never quite stalls. The
 * JDK's request time-out ends when the headers arrive, so before the stall timeout and the pull
 * deadline such a pull never ended: through {@code cas pull} and through a worker's ASSEMBLE the
 * request now ends with REGISTRY_STALLED or PULL_DEADLINE_EXCEEDED within the configured bound.
 */
class StalledRegistryTest {

    static final Layer LAYER = TestImages.layer(Compression.NONE, tar -> tar.file("srv/big", noise(1 << 20), 0644));
    static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "c".repeat(64)
            + "\",\"size\":2},\"layers\":[{\"mediaType\":\"" + LAYER.mediaType() + "\",\"digest\":\"" + LAYER.digest()
            + "\",\"size\":" + LAYER.bytes().length + "}]}";

    @TempDir
    Path tmp;

    private static String noise(int bytes) {
        byte[] raw = new byte[bytes / 2];
        new Random(20).nextBytes(raw);
        return java.util.HexFormat.of().formatHex(raw);
    }

    /** Serves the image; the layer's body is cut off after half ({@code trickle}: then a byte every 300 ms). */
    private static HostileRegistry registry(boolean trickle) throws Exception {
        return HostileRegistry.plain((req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else if (req.path().endsWith("/manifests/1")) {
                ex.respond(200, Map.of("Content-Type", "application/vnd.oci.image.manifest.v1+json"), MANIFEST);
            } else if (req.path().endsWith("/blobs/" + LAYER.digest())) {
                OutputStream out = ex.head(200, Map.of("Content-Length", String.valueOf(LAYER.bytes().length)));
                int half = LAYER.bytes().length / 2;
                out.write(LAYER.bytes(), 0, half);
                out.flush();
                if (trickle) {
                    for (int i = half; i < LAYER.bytes().length; i++) {
                        Thread.sleep(300);
                        out.write(LAYER.bytes()[i]);
                        out.flush();
                    }
                }
                ex.hold();
            } else {
                ex.respond(404, Map.of(), "");
            }
        });
    }

    @Test
    void casPullOfAStalledLayerFailsRegistryStalledWithinTheStallTimeout() throws Exception {
        try (HostileRegistry registry = registry(false)) {
            long t0 = System.nanoTime();
            CliTest.Run run = CliTest.tinyvol("cas", "pull", registry.host() + "/stall/app:1", "--cas", tmp.resolve("cas"),
                    "--ref", "stalled", "--stall-timeout", "2s", "--deadline", "2m");
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertEquals(dev.tinyvol.worker.cli.TinyVolCli.FAILED, run.exit(), run.out() + run.err());
            assertTrue(run.err().startsWith("tinyvol: REGISTRY_STALLED: "), run.err());
            assertTrue(run.err().contains("registry.stall.timeout"), run.err());
            assertTrue(seconds < 120, "answered within the deadline given: " + seconds + " s");
            assertFalse(Files.exists(tmp.resolve("cas/refs/stalled.json")), "no ref for a pull that stalled");
        }
    }

    @Test
    void aLayerThatTricklesForeverEndsAtThePullDeadline() throws Exception {
        try (HostileRegistry registry = registry(true)) {
            CliTest.Run run = CliTest.tinyvol("cas", "pull", registry.host() + "/stall/app:1", "--cas", tmp.resolve("cas"),
                    "--ref", "trickled", "--stall-timeout", "2s", "--deadline", "4s");
            assertEquals(dev.tinyvol.worker.cli.TinyVolCli.FAILED, run.exit(), run.out() + run.err());
            assertTrue(run.err().startsWith("tinyvol: PULL_DEADLINE_EXCEEDED: "), run.err());
            assertTrue(run.err().contains("registry.pull.deadline"), run.err());
        }
    }

    @Test
    void aWorkersAssembleOfAStalledImageIsAnsweredFailedRegistryStalled() throws Exception {
        try (HostileRegistry registry = registry(false)) {
            String node = "stall-" + UUID.randomUUID().toString().substring(0, 8);
            try (WorkerFixture worker = new WorkerFixture(node, tmp.resolve("cas"), tmp.resolve("volumes"),
                    Map.of("registry.stall.timeout", "2s", "registry.pull.deadline", "2m"));
                 WorkerFixture.Client client = new WorkerFixture.Client()) {
                String id = client.send(node, "stalled", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                        + "\"volume\":\"stalled\",\"image\":\"" + registry.host() + "/stall/app:1\"}");
                Result result = client.await(id, Duration.ofMinutes(3));
                assertEquals(Status.FAILED, result.status(), result.toString());
                assertEquals("REGISTRY_STALLED", result.errors().get(0).code(), result.errors().toString());
                assertEquals(1, result.attempts(), "a stall is not retried by the node: the answer stays within the bound");
                assertFalse(Files.exists(worker.volumes.resolve("stalled")));
            }
            assertTrue(registry.requests().stream().anyMatch(r -> r.path().contains("/blobs/")), "the layer was asked for");
        }
    }
}
