package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls that fail for real: the registry process killed in the middle of a layer, and a CAS on a
 * 1 MiB tmpfs that fills up. Neither leaves a ref, an unverified layer or a partial blob under an
 * object name, and the next pull finishes the job without downloading again what was finished.
 */
class PullFaultsTest {

    @TempDir
    Path tmp;

    /** Incompressible content, so a layer is as large on the wire as on disk. */
    private static String noise(int bytes, long seed) {
        byte[] raw = new byte[bytes];
        new Random(seed).nextBytes(raw);
        return java.util.HexFormat.of().formatHex(raw);
    }

    @Test
    void aRegistryKilledMidLayerFailsThePullAndTheNextPullFinishesIt() throws Exception {
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
            ImageReference image = ImageReference.parse(registry.host() + "/faults/big:1");
            Layer small = TestImages.layer(Compression.GZIP, tar -> tar.file("small", "first\n", 0644));
            Layer big = TestImages.layer(Compression.NONE, tar -> {
                for (int i = 0; i < 40; i++) {
                    tar.file("big/" + i, noise(1 << 20, i), 0644); // 80 MB of tar: the kill lands inside it
                }
            });
            TestImages.push(client, image, List.of(small, big), "amd64");
            Cas cas = Cas.create(tmp.resolve("cas"));

            AtomicBoolean killed = new AtomicBoolean();
            Progress killHalfway = (phase, done, total) -> {
                if (done > total / 3 && killed.compareAndSet(false, true)) {
                    CompletableFuture.runAsync(registry::stop); // the registry dies while the layer streams
                }
            };
            TinyVolException e = assertThrows(TinyVolException.class, () ->
                    new ImagePuller(cas, client, 1).pull(image, "big", "linux/amd64", killHalfway));
            assertTrue(killed.get(), "the registry was stopped mid-pull");
            assertEquals(ErrorCode.REGISTRY_UNAVAILABLE, e.code(), e.getMessage());
            assertTrue(e.code().isTransient());
            assertFalse(new ManifestStore(cas).refs().contains("big"), "no ref after a broken pull");
            assertNoPartialObjects(cas);

            registry.restart();
            PullReport resumed = new ImagePuller(cas, client, 1).pull(image, "big", "linux/amd64", Progress.NONE);
            assertEquals(1, resumed.pulledLayers(), "the small layer finished before the kill is not downloaded again");
            assertEquals(big.bytes().length, resumed.pulledBytes());
            assertEquals(41, new ManifestStore(cas).load("big").entries().size());
        }
    }

    @Test
    void aFullDiskIsNoSpaceWithNoRefAndNoPartialBlob() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        ImageReference image = ImageReference.parse(registry.host() + "/faults/large:1");
        Layer large = TestImages.layer(Compression.GZIP, tar -> tar.file("large", noise(2 << 20, 7), 0644)); // 4 MB > 1 MiB
        TestImages.push(client, image, List.of(large), "amd64");
        try (Mount small = Mount.tmpfs(tmp.resolve("small"), "size=1m")) {
            Cas cas = Cas.create(tmp.resolve("small/cas"));
            TinyVolException e = assertThrows(TinyVolException.class, () ->
                    new ImagePuller(cas, client, 1).pull(image, "large", "linux/amd64", Progress.NONE));
            assertEquals(ErrorCode.NO_SPACE, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains(tmp.resolve("small/cas").toString()), "names where: " + e.getMessage());
            assertFalse(Files.exists(tmp.resolve("small/cas/refs/large.json")));
            assertNoPartialObjects(cas);
            try (var leftovers = Files.list(cas.tmpDir())) {
                assertEquals(0, leftovers.count(), "the partial file is removed");
            }
        }
    }

    /** Every object is whole: its name is the sha256 of its content. */
    private static void assertNoPartialObjects(Cas cas) throws Exception {
        try (var objects = Files.walk(cas.objectsDir())) {
            for (Path p : objects.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                String digest = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
                assertEquals("sha256:" + digest, TestImages.sha256(Files.readAllBytes(p)), p + " is whole");
            }
        }
    }
}
