package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.HoldStoreLock;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store lock between processes: another process holding the store (a long 'tinyvol cas fsck',
 * the tail of a pull) never makes this JVM's assemblies wait behind a gc, and the lock's
 * bookkeeping matches what it holds after an attempt to take it failed.
 */
class StoreLockTest {

    @TempDir
    Path tmp;

    /**
     * A gc tried while another process holds the store shared: 20 assemblies are all answered while
     * that process still holds it, the gc says STORE_BUSY, and succeeds once the process lets go.
     * (The futures' 60 s only turn a hang into a failure; nothing here measures latency.)
     */
    @Test
    void aGcNeverHoldsUpAssembliesWhileAnotherProcessHoldsTheStore() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("base")), "base", 2, Progress.NONE);
        Manifest base = new ManifestStore(cas).load("base");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Process holder = HoldStoreLock.start(cas.root(), "shared");
        try (VolumeService service = new VolumeService(cas, VolumeStore.open(tmp.resolve("volumes")), 2)) {
            AtomicInteger gcTries = new AtomicInteger();
            AtomicReference<Object> gcOutcome = new AtomicReference<>();
            Future<?> gc = threads.submit(() -> {
                gcTries.incrementAndGet();
                try {
                    gcOutcome.set(new GarbageCollector(cas, service.volumes()::manifestsInUse).collect(false));
                } catch (TinyVolException e) {
                    gcOutcome.set(e.code());
                }
            });
            while (gcTries.get() == 0) {
                Thread.sleep(10);
            }
            Thread.sleep(500); // let the gc reach the lock before the assemblies start
            int answered = 0;
            for (int i = 0; i < 20; i++) {
                int n = i;
                threads.submit(() -> service.assemble("v-" + n, base, "ref:base", AssemblyOptions.DEFAULTS, Progress.NONE,
                        () -> { })).get(60, TimeUnit.SECONDS);
                answered++;
            }
            assertTrue(holder.isAlive(), "the other process still holds the store");
            assertEquals(20, answered, "every assembly answered while a gc waits for the store");
            gc.get(120, TimeUnit.SECONDS);
            assertEquals(ErrorCode.STORE_BUSY, gcOutcome.get(), "a gc that never got the store says so");
            assertTrue(service.verify("v-19", true).clean());

            HoldStoreLock.release(holder);
            GarbageCollector.Report after = new GarbageCollector(cas, service.volumes()::manifestsInUse).collect(false);
            assertEquals(0, after.blobsRemoved(), "every blob is used by the ref and its volumes");
        } finally {
            holder.destroyForcibly();
            threads.shutdownNow();
        }
    }

    /**
     * A shared hold that failed (interrupted while another process held the store exclusive) leaves
     * no phantom holder: the next shared hold takes the OS lock, as /proc/locks shows.
     */
    @Test
    void aFailedAttemptLeavesTheNextSharedHoldTakingTheOsLock() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Process holder = HoldStoreLock.start(cas.root(), "exclusive");
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try (StoreLock.Held held = cas.lock().shared()) {
                outcome.set("held");
            } catch (TinyVolException e) {
                outcome.set(e.code());
            }
        });
        try {
            waiter.start();
            while (!osLocksOfThisProcess(cas).stream().anyMatch(l -> l.contains("->"))) {
                Thread.sleep(10); // until the kernel lists it as waiting for the lock
            }
            waiter.interrupt();
            waiter.join(60_000);
            assertTrue(outcome.get() instanceof ErrorCode, "the attempt failed: " + outcome.get());
        } finally {
            HoldStoreLock.release(holder);
        }
        try (StoreLock.Held held = cas.lock().shared()) {
            List<String> locks = osLocksOfThisProcess(cas);
            assertEquals(1, locks.size(), "one lock on the store's lock file: " + locks);
            assertTrue(locks.get(0).contains(" READ "), "held shared: " + locks);
            assertEquals("busy", HoldStoreLock.tryExclusiveElsewhere(cas.root()), "a gc in another process is kept out");
        }
        assertEquals(List.of(), osLocksOfThisProcess(cas), "released with its last holder");
    }

    /** The /proc/locks lines (held or waited for) of this process on the CAS's lock file. */
    static List<String> osLocksOfThisProcess(Cas cas) throws java.io.IOException {
        long inode = dev.tinyvol.worker.posix.PosixFiles.lstat(cas.root().resolve(".lock")).inode();
        String pid = " " + ProcessHandle.current().pid() + " ";
        return Files.readAllLines(Path.of("/proc/locks")).stream()
                .filter(l -> l.contains(pid) && l.matches(".*:" + inode + " .*")).toList();
    }
}
