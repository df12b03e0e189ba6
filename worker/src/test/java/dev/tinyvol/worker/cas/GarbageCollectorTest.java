package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.registry.ImagePuller;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc: what it keeps, what it removes, and that it never races the writers. */
class GarbageCollectorTest {

    @TempDir
    Path tmp;

    @Test
    void removesWhatNothingUsesAndKeepsWhatRefsAndVolumesUse() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path a = Trees.file(tmp.resolve("a"), "only-in-a.txt", "a's alone\n", 0644).getParent();
        Path b = Trees.rootfs(tmp.resolve("b"));
        new Ingester(cas, 2).ingest(a, "a", 2, Progress.NONE);
        new Ingester(cas, 2).ingest(b, "b", 2, Progress.NONE);
        ManifestStore refs = new ManifestStore(cas);
        Manifest mb = refs.load("b");
        FileEntry onlyA = (FileEntry) refs.load("a").entries().get("only-in-a.txt");
        Path volumes = tmp.resolve("volumes");
        try (VolumeService service = new VolumeService(cas, VolumeStore.open(volumes), 2)) {
            service.assemble("web-1", mb, "ref:b", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
            refs.remove("b"); // still live: volume web-1 was built from it
            refs.remove("a"); // a's content is now used by nothing
            Files.writeString(cas.tmpDir().resolve("left-by-a-crash.part"), "x");

            GarbageCollector.Report dry = new GarbageCollector(cas, service.volumes()::manifestsInUse, java.time.Duration.ZERO, java.time.Duration.ofSeconds(30)).collect(true);
            assertEquals(1, dry.blobsRemoved(), dry.toString());
            assertTrue(Files.exists(cas.instancePath(BlobKey.of(onlyA))), "a dry run removes nothing");

            GarbageCollector.Report done = new GarbageCollector(cas, service.volumes()::manifestsInUse, java.time.Duration.ZERO, java.time.Duration.ofSeconds(30)).collect(false);
            assertEquals(1, done.blobsRemoved(), done.toString());
            assertEquals("a's alone\n".length(), done.bytesReclaimed());
            assertEquals(1, done.tmpRemoved());
            assertFalse(Files.exists(cas.instancePath(BlobKey.of(onlyA))));
            assertTrue(service.verify("web-1", true).clean(), "the volume's blobs are all kept");
            // And another volume of the manifest it was built from can still be made from the CAS.
            service.assemble("web-2", mb, "kept", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
            assertTrue(service.verify("web-2", true).clean());
        }
    }

    @Test
    void gcNeverRacesAssembliesIngestsOrPulls() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path volumes = tmp.resolve("volumes");
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("base")), "base", 2, Progress.NONE);
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        ImageReference image = ImageReference.parse(registry.host() + "/gc/churn:1");
        TestImages.push(client, image, List.of(TestImages.layer(TestImages.Compression.GZIP,
                tar -> tar.file("pulled", "from the registry\n", 0644).file("etc/pulled.conf", "x=1\n", 0640))), "amd64");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger gcs = new AtomicInteger();
        AtomicInteger assemblies = new AtomicInteger();
        AtomicInteger ingests = new AtomicInteger();
        AtomicInteger pulls = new AtomicInteger();
        AtomicInteger downloads = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong reclaimed = new java.util.concurrent.atomic.AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (VolumeService service = new VolumeService(cas, VolumeStore.open(volumes), 2)) {
            List<Future<?>> loops = new ArrayList<>();
            loops.add(threads.submit(() -> {
                // Assemble a ref, check it whole, tear it down, again and again.
                ManifestStore refs = new ManifestStore(cas);
                for (int i = 0; running.get(); i++) {
                    try {
                        service.assemble("asm-" + i, refs.load("base"), "ref:base", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
                        if (!service.verify("asm-" + i, true).clean()) {
                            failures.add("asm-" + i + " not whole");
                        }
                        service.teardown("asm-" + i, () -> { });
                        assemblies.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add("assembly " + i + ": " + e.getMessage());
                    }
                }
            }));
            loops.add(threads.submit(() -> {
                // Ingest new content, assemble it, drop the ref before last: what gc may take is always changing.
                ManifestStore refs = new ManifestStore(cas);
                for (int i = 0; running.get(); i++) {
                    try {
                        Path tree = Trees.file(tmp.resolve("t-" + i), "data/file.txt", "content " + i + "\n", 0644).getParent().getParent();
                        Trees.file(tree, "shared.txt", "the same in every tree\n", 0644);
                        new Ingester(cas, 2).ingest(tree, "r-" + i, 2, Progress.NONE);
                        service.assemble("ing-" + i, refs.load("r-" + i), "ref:r-" + i, AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
                        if (!service.verify("ing-" + i, true).clean()) {
                            failures.add("ing-" + i + " not whole");
                        }
                        service.teardown("ing-" + i, () -> { });
                        if (i >= 1) {
                            refs.remove("r-" + (i - 1));
                        }
                        ingests.incrementAndGet();
                    } catch (RuntimeException | java.io.IOException e) {
                        failures.add("ingest " + i + ": " + e.getMessage());
                    }
                }
            }));
            loops.add(threads.submit(() -> {
                // Pull, assemble, drop the ref: gc then removes the blobs and the layer record, and the
                // next pull must download the layer again rather than trust a record of removed blobs.
                ManifestStore refs = new ManifestStore(cas);
                for (int i = 0; running.get(); i++) {
                    try {
                        if (new ImagePuller(cas, client, 1).pull(image, "pulled", "linux/amd64", Progress.NONE).pulledLayers() > 0) {
                            downloads.incrementAndGet(); // gc took the blobs and the layer record since the last pull
                        }
                        service.assemble("pull-" + i, refs.load("pulled"), "ref:pulled", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
                        if (!service.verify("pull-" + i, true).clean()) {
                            failures.add("pull-" + i + " not whole");
                        }
                        service.teardown("pull-" + i, () -> { });
                        refs.remove("pulled");
                        pulls.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add("pull " + i + ": " + e.getMessage());
                    }
                }
            }));
            loops.add(threads.submit(() -> {
                while (running.get()) {
                    try {
                        reclaimed.addAndGet(new GarbageCollector(cas, service.volumes()::manifestsInUse, java.time.Duration.ZERO, java.time.Duration.ofSeconds(30)).collect(false).instancesRemoved());
                        gcs.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add("gc: " + e.getMessage());
                    }
                }
            }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && (gcs.get() < 40 || assemblies.get() < 20 || ingests.get() < 20 || pulls.get() < 20)) {
                Thread.sleep(100);
            }
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("gc under load: %d gcs (%d instances reclaimed), %d assemblies, %d ingests, %d pulls (%d downloading "
                + "again after a gc); %d failures, every volume verified whole%n", gcs.get(), reclaimed.get(), assemblies.get(),
                ingests.get(), pulls.get(), downloads.get(), failures.size());
        assertEquals(List.of(), new ArrayList<>(failures));
        assertTrue(reclaimed.get() > 0 && downloads.get() > 1, "the gcs did reclaim while the others ran: " + reclaimed + " " + downloads);
        assertTrue(gcs.get() >= 10 && assemblies.get() >= 5 && ingests.get() >= 5 && pulls.get() >= 5,
                "enough of each ran together: " + gcs + " " + assemblies + " " + ingests + " " + pulls);
    }
}
