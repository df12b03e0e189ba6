package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** uid and gid above 2^31 (user namespaces map ranges up there) round-trip as themselves. */
class LargeOwnerIdsTest {

    private static final long UID = 3_000_000_000L;
    private static final long GID = 3_000_000_001L;

    @TempDir
    Path tmp;

    @Test
    void aTreeOwnedByUid3000000000RoundTripsAndVerifies() throws Exception {
        Path src = tmp.resolve("src");
        Trees.file(src, "home/big/data.txt", "owned high\n", 0640);
        Files.createSymbolicLink(src.resolve("home/big/link"), Path.of("data.txt"));
        for (Path p : new Path[] {src.resolve("home/big/data.txt"), src.resolve("home/big/link"), src.resolve("home/big")}) {
            PosixFiles.lchown(p, UID, GID);
        }
        try (AssemblyFixture node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"))) {
            Manifest manifest = node.ingest(src, "high");
            FileEntry file = (FileEntry) manifest.entries().get("home/big/data.txt");
            assertEquals(UID, file.uid());
            assertEquals(GID, file.gid());
            assertEquals(new DirEntry(0755, UID, GID), manifest.entries().get("home/big"));
            assertEquals(new SymlinkEntry("data.txt", UID, GID), manifest.entries().get("home/big/link"));
            Path instance = node.cas.instancePath(BlobKey.of(file));
            assertTrue(instance.getFileName().toString().endsWith(".0640.3000000000.3000000001"), instance.toString());

            node.assemble("high", manifest);
            Path volume = node.volumes().resolve("high");
            Stat linked = PosixFiles.lstat(volume.resolve("home/big/data.txt"));
            assertEquals(UID, linked.uid());
            assertEquals(GID, linked.gid());
            assertEquals(UID, PosixFiles.lstat(volume.resolve("home/big/link")).uid());
            assertEquals(UID, PosixFiles.lstat(volume.resolve("home/big")).uid());
            VerifyReport report = node.service.verify("high", true);
            assertTrue(report.clean(), report.problems().toString());
            assertEquals(4, report.verified(), "home, home/big, the file and the symlink");
        }
    }
}
