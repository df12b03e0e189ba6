package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeLocksTest {

    @TempDir
    Path tmp;

    @Test
    void anotherProcessHoldingTheLockMakesUsWaitThenGo() throws Exception {
        Path volumes = tmp.resolve("volumes");
        VolumeStore store = VolumeStore.open(volumes);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), dev.tinyvol.worker.testing.HoldVolumeLock.class.getName(), volumes.toString(), "web-1")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("locked", out.readLine());

            TinyVolException busy = assertThrows(TinyVolException.class, () -> store.lock("web-1", Duration.ofMillis(200), () -> { }));
            assertEquals(ErrorCode.VOLUME_LOCKED, busy.code());
            store.lock("web-2", Duration.ZERO, () -> { }).close();

            AtomicBoolean told = new AtomicBoolean();
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    holder.getOutputStream().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            try (VolumeLocks.Held held = store.lock("web-1", Duration.ofSeconds(30), () -> told.set(true))) {
                assertTrue(told.get(), "the waiter was told why it waits");
            }
            release.join();
        } finally {
            holder.destroy();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void threadsOfOneProcessTakeTurns() throws Exception {
        VolumeStore store = VolumeStore.open(tmp.resolve("volumes"));
        try (VolumeLocks.Held held = store.lock("web-1", Duration.ZERO, () -> { })) {
            java.util.concurrent.atomic.AtomicReference<Throwable> seen = new java.util.concurrent.atomic.AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    store.lock("web-1", Duration.ofMillis(50), () -> { }).close();
                } catch (Throwable t) {
                    seen.set(t);
                }
            });
            other.start();
            other.join();
            assertEquals(ErrorCode.VOLUME_LOCKED, ((TinyVolException) seen.get()).code());
        }
        store.lock("web-1", Duration.ZERO, () -> { }).close();
        assertTrue(Files.exists(tmp.resolve("volumes/.tinyvol/locks/web-1.lock")));
    }
}
