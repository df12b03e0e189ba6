package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.node.ResultBuilder;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 2: a pull of a hostile image (one warning per skipped device node) is answered in
 * one record, its warnings the first {@value ResultBuilder#MAX_WARNINGS} and a count.
 */
class HostileImageResultTest {

    static final int DEVICES = 200_000;

    @TempDir
    Path tmp;

    @Test
    void anImageWith200000DeviceNodesIsAnsweredWithItsWarningsBoundedAndCounted() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        String image = registry.host() + "/hostile/devices:" + UUID.randomUUID().toString().substring(0, 8);
        TestImages.push(new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS), ImageReference.parse(image),
                List.of(TestImages.layer(TestImages.Compression.GZIP, tar -> {
                    tar.dir("etc", 0755).file("etc/os-release", "ID=devices\n", 0644).dir("dev", 0755);
                    for (int i = 0; i < DEVICES; i++) {
                        tar.charDevice(String.format("dev/d%06d", i));
                    }
                })), "amd64");
        String node = "devices-" + UUID.randomUUID().toString().substring(0, 8);
        // Past the default entry limit (200,000 a layer: LayerBudget), which this test is not about.
        try (WorkerFixture worker = new WorkerFixture(node, tmp.resolve("cas"), tmp.resolve("volumes"),
                Map.of("registry.layer.max.entries", "300000"));
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            String id = client.send(node, "web", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"web\",\"image\":\"" + image + "\"}");
            Result result = client.await(id, Duration.ofMinutes(5));
            int size = ResultCodec.encode(result).length;
            System.out.println("ASSEMBLE of an image with " + DEVICES + " device nodes: " + result.status() + " "
                    + result.outcome() + ", " + result.warnings().size() + " of " + result.warningsTotal()
                    + " warnings, truncated " + result.truncated() + ", " + size + " bytes; first: " + result.warnings().get(0));
            assertEquals(Status.SUCCEEDED, result.status(), () -> String.valueOf(result.errors()));
            assertEquals(ResultBuilder.MAX_WARNINGS, result.warnings().size());
            assertEquals(DEVICES, result.warningsTotal(), "every skipped device is counted");
            assertTrue(result.truncated());
            assertTrue(result.warnings().get(0).contains("character device"), result.warnings().get(0));
            assertTrue(size < 100_000, "a small record: " + size + " bytes");
            assertEquals(1, client.all(Duration.ofSeconds(2)).get(id).size(), "answered once");
        }
    }
}
