package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirrors: a pull-through cache is asked first; one that lacks the image gives way to the upstream. */
class MirrorsTest {

    static LocalRegistry upstream;
    static LocalRegistry mirror;
    static RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        upstream = LocalRegistry.shared();
        mirror = LocalRegistry.start();
        var layer = TestImages.layer(Compression.GZIP, tar -> tar.file("from", "the cache\n", 0644));
        TestImages.push(client, ImageReference.parse(mirror.host() + "/cached/app:1"), List.of(layer), "amd64");
        var other = TestImages.layer(Compression.GZIP, tar -> tar.file("from", "upstream\n", 0644));
        TestImages.push(client, ImageReference.parse(upstream.host() + "/only-upstream/app:1"), List.of(other), "amd64");
    }

    @AfterAll
    static void stop() {
        mirror.close();
    }

    @Test
    void theMirrorServesEvenWhenTheUpstreamIsDown() {
        // An upstream that does not answer at all: the mirror's copy is what a node gets.
        Mirrors rules = Mirrors.parse("127.0.0.1:1=" + mirror.host());
        Cas cas = Cas.create(tmp.resolve("cas"));
        PullReport r = new ImagePuller(cas, client, 1, rules).pull(ImageReference.parse("127.0.0.1:1/cached/app:1"), "app",
                "linux/amd64", Progress.NONE);
        assertEquals(1, r.pulledLayers());
        assertTrue(new ManifestStore(cas).load("app").entries().containsKey("from"));
    }

    @Test
    void aMirrorWithoutTheImageGivesWayToTheUpstream() {
        Mirrors rules = Mirrors.parse(upstream.host() + "=" + mirror.host());
        Cas cas = Cas.create(tmp.resolve("cas"));
        PullReport r = new ImagePuller(cas, client, 1, rules).pull(ImageReference.parse(upstream.host() + "/only-upstream/app:1"),
                "app", "linux/amd64", Progress.NONE);
        assertEquals(1, r.pulledLayers());
        assertEquals(TestImages.sha256("upstream\n".getBytes()).substring(7),
                ((dev.tinyvol.messages.manifest.FileEntry) new ManifestStore(cas).load("app").entries().get("from")).digest());
    }
}
