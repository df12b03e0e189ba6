package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Scrape;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose CAS has never seen an image, asked through Kafka (raw JSON, as kcat would send
 * it) to assemble it: it pulls, assembles, and says what it pulled; the next volume of the same
 * image pulls nothing; a missing ref comes from the default repository; a bad image fails at once.
 */
class PullOnDemandTest {

    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;

    static LocalRegistry registry;
    static WorkerFixture worker;
    static WorkerFixture.Client client;
    static String node;
    static Layer base;
    static Layer app;
    static int httpPort;

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.shared();
        RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        base = TestImages.layer(Compression.GZIP, tar -> tar.dir("etc", 0755).file("etc/os-release", "ID=test\n", 0644)
                .file("usr/bin/tool", "#!/bin/sh\n", 0755));
        app = TestImages.layer(Compression.ZSTD, tar -> tar.file("srv/app/index.html", "<h1>on demand</h1>\n", 0644));
        TestImages.push(push, ImageReference.parse(registry.host() + "/demand/web:1"), List.of(base, app), "amd64");
        // Its own layer: which test runs first must not change what the other downloads.
        Layer nginx = TestImages.layer(Compression.GZIP, tar -> tar.file("etc/os-release", "ID=nginx\n", 0644));
        TestImages.push(push, ImageReference.parse(registry.host() + "/fleet/refs:nginx-1.27"), List.of(nginx), "amd64");
        node = "pull-" + UUID.randomUUID().toString().substring(0, 8);
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        worker = new WorkerFixture(node, tmp.resolve("cas"), tmp.resolve("volumes"),
                Map.of("registry.default.repository", registry.host() + "/fleet/refs", "http.port", String.valueOf(httpPort)));
        client = new WorkerFixture.Client();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        worker.close();
    }

    static Result answer(String volume, String json) {
        String id = UUID.randomUUID().toString();
        client.sender.sendRaw("tinyvol.requests." + node, volume.getBytes(StandardCharsets.UTF_8),
                json.replace("$ID", id).replace("$NODE", node).getBytes(StandardCharsets.UTF_8));
        return client.await(id, WAIT);
    }

    @Test
    void anAssembleNamingAnImageThisNodeHasNeverSeenPullsItOnce() throws Exception {
        String image = registry.host() + "/demand/web:1";
        Result first = answer("web-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"web-1\","
                + "\"image\":\"" + image + "\"}");
        assertEquals(Status.SUCCEEDED, first.status(), first.errors().toString());
        assertEquals("BUILT", first.outcome());
        assertEquals(2, first.pulledLayers());
        assertEquals(base.bytes().length + app.bytes().length, first.pulledBytes());
        assertTrue(first.imageDigest().startsWith("sha256:"), first.imageDigest());
        assertEquals("<h1>on demand</h1>\n", Files.readString(worker.volumes.resolve("web-1/srv/app/index.html")));

        Result second = answer("web-2", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"web-2\","
                + "\"image\":\"" + image + "\"}");
        assertEquals(Status.SUCCEEDED, second.status(), second.errors().toString());
        assertEquals(0, second.pulledLayers(), "every further volume of a pulled image at assembly speed");
        assertEquals(0, second.pulledBytes());
        assertEquals(first.imageDigest(), second.imageDigest());

        // Pulls are metrics too, by registry.
        Scrape metrics = Scrape.of(httpPort);
        assertTrue(metrics.sum("tinyvol_pull_bytes_total", "registry=\"" + registry.host() + "\"") >= first.pulledBytes(), "pull bytes");
        assertTrue(metrics.sum("tinyvol_pull_layers_total", "registry=\"" + registry.host() + "\"") >= 2, "pull layers");
    }

    @Test
    void aRefTheNodeLacksComesFromTheDefaultRepository() {
        Result r = answer("ng-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"ng-1\","
                + "\"manifestRef\":\"nginx-1.27\"}");
        assertEquals(Status.SUCCEEDED, r.status(), r.errors().toString());
        assertEquals(1, r.pulledLayers());
        assertTrue(Files.exists(worker.volumes.resolve("ng-1/etc/os-release")));
    }

    @Test
    void anImageTheRegistryDoesNotHaveFailsAtOnceNamingIt() {
        Result r = answer("none-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"none-1\","
                + "\"image\":\"" + registry.host() + "/demand/nosuch:1\"}");
        assertEquals(Status.FAILED, r.status());
        assertEquals("IMAGE_NOT_FOUND", r.errors().get(0).code(), r.errors().toString());
        assertEquals(1, r.attempts(), "not retried: trying again cannot help");
        assertTrue(r.errors().get(0).message().contains("demand/nosuch"), r.errors().get(0).message());
    }

    @Test
    void anAssembleNamingATagRolledBackToAnEarlierImageBuildsTheEarlierTree() throws Exception {
        RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        ImageReference tag = ImageReference.parse(registry.host() + "/demand/rollback:latest");
        Layer a = TestImages.layer(Compression.GZIP, tar -> tar.file("srv/version", "A\n", 0644));
        Layer b = TestImages.layer(Compression.GZIP, tar -> tar.file("srv/version", "B\n", 0644));
        String[] versions = {"A\n", "B\n", "A\n"};
        Layer[] layers = {a, b, a}; // A's very bytes again: the same image digest as the first time
        for (int i = 0; i < 3; i++) {
            TestImages.push(push, tag, List.of(layers[i]), "amd64");
            String volume = "rollback-" + i;
            Result r = answer(volume, "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\""
                    + volume + "\",\"image\":\"" + tag + "\"}");
            assertEquals(Status.SUCCEEDED, r.status(), r.errors().toString());
            System.out.println("rollback through Kafka: push " + versions[i].strip() + ", ASSEMBLE " + volume + " -> "
                    + r.status() + ", image " + r.imageDigest() + ", pulled layers " + r.pulledLayers() + ", srv/version "
                    + Files.readString(worker.volumes.resolve(volume + "/srv/version")).strip());
            assertEquals(versions[i], Files.readString(worker.volumes.resolve(volume + "/srv/version")), volume);
        }
    }
}
