package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.health.Readiness;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.registry.ImagePusher;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Trees;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

/**
 * gc beside the CAS's other users that take no store lock: whatever writes in tmp/ (a push's layer
 * tarballs, the readiness probe's file, any writer) keeps its file while a gc runs; and a layer
 * record gc cannot read is a warning naming it, never a failed gc.
 */
class GcBesideOtherUsersTest {

    @TempDir
    Path tmp;

    private GarbageCollector gc(Cas cas) {
        VolumeStore volumes = VolumeStore.open(tmp.resolve("volumes"));
        return new GarbageCollector(cas, volumes::manifestsInUse); // the shipped grace, as the worker and 'cas gc' run it
    }

    @Test
    void aFileBeingWrittenInTmpKeepsItsContentThroughAGc() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path file = cas.tmpDir().resolve("writer.part");
        byte[] half = new byte[1 << 20];
        new java.util.Random(1).nextBytes(half);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(half));
            GarbageCollector.Report r = gc(cas).collect(false);
            assertEquals(0, r.tmpRemoved(), r.toString());
            out.write(ByteBuffer.wrap(half));
        }
        byte[] whole = Files.readAllBytes(file);
        assertEquals(2 * half.length, whole.length, "the writer's file is still there, whole");
        assertArrayEquals(half, java.util.Arrays.copyOfRange(whole, half.length, whole.length));
    }

    /** A real push of a 40-layer ref, five times over, while gcs run back to back: every push succeeds. */
    @Test
    void aPushRunningBesideGcsSucceeds() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path src = tmp.resolve("src");
        for (int d = 0; d < 40; d++) {
            for (int f = 0; f < 20; f++) {
                Trees.file(src, "dir-" + d + "/file-" + f, ("layer " + d + " file " + f + "\n").repeat(200), 0644);
            }
        }
        new Ingester(cas, 2).ingest(src, "tree", 2, Progress.NONE);
        var manifest = new ManifestStore(cas).load("tree");
        RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        AtomicBoolean pushing = new AtomicBoolean(true);
        AtomicInteger gcs = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(1);
        try {
            Future<?> gcLoop = threads.submit(() -> {
                while (pushing.get()) {
                    try {
                        gc(cas).collect(false);
                        gcs.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add("gc: " + e.getMessage());
                    }
                }
            });
            for (int i = 0; i < 5; i++) {
                // A new tag each time, in a new repository: every layer is written and uploaded again.
                ImageReference image = ImageReference.parse(LocalRegistry.shared().host() + "/gc-push-" + System.nanoTime() + "/tree:" + i);
                try {
                    new ImagePusher(cas, client).push(manifest, image, Progress.NONE);
                } catch (RuntimeException e) {
                    failures.add("push " + i + ": " + e.getMessage());
                }
            }
            pushing.set(false);
            gcLoop.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("5 pushes of 40 layers beside %d gcs: %d failures%n", gcs.get(), failures.size());
        assertEquals(List.of(), new ArrayList<>(failures));
        assertTrue(gcs.get() > 0, "gcs ran meanwhile");
    }

    /** The readiness probe writes a file in tmp/: probes beside 300 gcs back to back are all ready. */
    @Test
    void readinessStaysReadyDuringGcs() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        AtomicBoolean probing = new AtomicBoolean(true);
        AtomicInteger gcs = new AtomicInteger();
        List<String> notReady = new ArrayList<>();
        int probes = 0;
        ExecutorService threads = Executors.newFixedThreadPool(1);
        try {
            Future<?> gcLoop = threads.submit(() -> {
                while (probing.get()) {
                    gc(cas).collect(false);
                    gcs.incrementAndGet();
                }
            });
            for (; probes < 3000 || gcs.get() < 300; probes++) {
                // A new probe each time: its answer is not cached.
                String why = new Readiness(() -> null, List.of(cas.tmpDir()), () -> true).notReady();
                if (why != null) {
                    notReady.add(why);
                }
            }
            probing.set(false);
            gcLoop.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("%d readiness probes beside %d gcs: %d not ready%n", probes, gcs.get(), notReady.size());
        assertEquals(List.of(), notReady.subList(0, Math.min(3, notReady.size())));
        assertTrue(gcs.get() > 0);
    }

    @Test
    void anUnreadableLayerRecordIsAWarningNamingItNotAFailedGc() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path unused = Trees.file(tmp.resolve("u"), "unused.txt", "nobody's\n", 0644).getParent();
        new Ingester(cas, 2).ingest(unused, "unused", 2, Progress.NONE);
        new ManifestStore(cas).remove("unused");
        Path layers = Files.createDirectories(cas.root().resolve("pulls/layers"));
        Path garbage = Files.writeString(layers.resolve("0000garbage.json"), "{\"ops\": [ {\"op\": \"file\", \"dig");
        Path noDigest = Files.writeString(layers.resolve("0001nodigest.json"), "{\"ops\": [ {\"op\": \"file\", \"mode\": 420} ]}");
        Path notAnObject = Files.writeString(layers.resolve("0002array.json"), "[1, 2, 3]");

        GarbageCollector.Report r = new GarbageCollector(cas, VolumeStore.open(tmp.resolve("volumes"))::manifestsInUse,
                java.time.Duration.ZERO, java.time.Duration.ofSeconds(30)).collect(false);
        assertEquals(1, r.blobsRemoved(), "the gc did its work: " + r);
        for (Path record : List.of(garbage, noDigest, notAnObject)) {
            assertTrue(r.warnings().stream().anyMatch(w -> w.contains(record.toString())), record + " named: " + r.warnings());
            assertTrue(Files.exists(record), "kept: " + record);
        }
    }
}
