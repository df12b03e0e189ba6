package dev.tinyvol.worker.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.Mount;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs only in the surefire execution whose JVM has LANG=de_DE.UTF-8 (worker/pom.xml, "german-locale",
 * which also reruns the copy-fallback and full-disk tests there). It first proves the JDK's own
 * messages really are German in that JVM, then that TinyVol still tells ENOSPC, EXDEV and EMLINK
 * apart: by errno, not by words.
 */
class GermanLocaleTest {

    @TempDir
    Path tmp;

    @Test
    void theJdkSpeaksGermanHereSoTheTestMeansSomething() {
        FileSystemException e = crossDeviceLink();
        assertFalse(e.getReason().contains("cross-device"), "expected a German message; is Debian's locales-all "
                + "installed (.ci/run installs it)? got: " + e.getReason());
    }

    @Test
    void crossDeviceIsRecognisedInGerman() {
        FileSystemException e = crossDeviceLink();
        assertTrue(IoErrors.isCrossDevice(e), e.getReason());
        TinyVolException classified = IoErrors.classify(e, "x", "linking x");
        assertEquals(ErrorCode.CROSS_DEVICE, classified.code());
        assertTrue(classified.getMessage().contains("Invalid cross-device link (EXDEV)"), classified.getMessage());
    }

    @Test
    void aFullDiskIsNoSpaceInGermanAndNotRetried() throws IOException {
        try (Mount small = Mount.tmpfs(tmp.resolve("small"), "size=64k")) {
            IOException full = assertThrows(IOException.class, () -> {
                for (int i = 0; ; i++) {
                    Files.write(small.point().resolve("f" + i), new byte[16 * 1024]);
                }
            });
            assertFalse(String.valueOf(full.getMessage()).contains("No space left"), full.getMessage());
            TinyVolException classified = IoErrors.classify(full, "f", "writing f");
            assertEquals(ErrorCode.NO_SPACE, classified.code(), full.getMessage());
            assertFalse(classified.code().isTransient());
        }
    }

    private FileSystemException crossDeviceLink() {
        Path source = tmp.resolve("source");
        Path link = Path.of("/dev/shm/tinyvol-locale-" + UUID.randomUUID());
        try {
            Files.writeString(source, "x");
            Files.createLink(link, source);
            Files.delete(link);
            throw new AssertionError("/dev/shm and " + tmp + " are one filesystem here");
        } catch (FileSystemException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
