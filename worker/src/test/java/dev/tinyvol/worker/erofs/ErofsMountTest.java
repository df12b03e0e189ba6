package dev.tinyvol.worker.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.posix.Mounts;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.CasHashes;
import dev.tinyvol.worker.testing.ErofsVolumeMount;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image mounted for real, as composefs mounts it: EROFS, then overlayfs with the CAS objects
 * directory as a data-only layer. Every file must read back as its blob, with the image's modes,
 * owners and sizes; symlinks and directories as the manifest says.
 */
class ErofsMountTest {

    @TempDir
    Path tmp;

    @Test
    void everyFileOfASmallRootfsReadsBackAsItsBlobThroughTheOverlay() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Trees.file(src, "sentinel", SENTINEL, 0644);
        Trees.file(src, "empty", "", 0644);
        Trees.file(src, "srv/big-owner", "owned by a uid beyond 16 bits\n", 02750);
        PosixFiles.lchown(src.resolve("srv/big-owner"), 4_294_967_294L, 3_000_000_000L);
        PosixFiles.lchown(src.resolve("srv"), 70000, 0);
        assertVolumeMatchesManifest(src, "rootfs", ErofsMountTest::utilLinuxMount);
    }

    @Test
    void theSameThroughTheNewMountApiWithNoLoopDeviceAndNothingButTheVolumeAttached() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Trees.file(src, "sentinel", SENTINEL, 0644);
        Trees.file(src, "empty", "", 0644);
        Trees.file(src, "srv/big-owner", "owned by a uid beyond 16 bits\n", 06755);
        PosixFiles.lchown(src.resolve("srv/big-owner"), 4_294_967_294L, 3_000_000_000L);
        assertVolumeMatchesManifest(src, "rootfs", ErofsMountTest::newMountApi);
    }

    @Test
    void usrShareDocThroughTheNewMountApi() throws Exception {
        assertVolumeMatchesManifest(Path.of("/usr/share/doc"), "doc", ErofsMountTest::newMountApi);
    }

    @Test
    void aMountThatFailsLeavesNothingAttached() throws Exception {
        Path volume = Files.createDirectories(tmp.resolve("volume"));
        Path notAnImage = Files.write(tmp.resolve("garbage.erofs"), new byte[8192]);
        GeneratedManifests.Generated g = GeneratedManifests.fuzz(3, 50);
        Path image = tmp.resolve("good.erofs");
        new ErofsImageWriter(g.contentSizes()).write(g.manifest(), image);
        String mountsBefore = Mount.run("cat", "/proc/self/mounts");

        assertThrows(java.io.IOException.class, () -> ErofsOverlayMount.mountReadOnly(notAnImage, tmp, volume),
                "a file with no EROFS superblock is refused");
        assertThrows(java.io.IOException.class, () -> ErofsOverlayMount.mountReadOnly(image, tmp.resolve("no-objects"), volume),
                "the overlay fails after the image was mounted (detached)");

        assertEquals(mountsBefore, Mount.run("cat", "/proc/self/mounts"), "nothing attached, nothing left");
        try (Stream<Path> left = Files.list(volume)) {
            assertEquals(0, left.count(), "the target stays an empty directory");
        }
    }

    private static final String SENTINEL = "not zeros: the silent-zeros pitfall reads \\0 of the right size\n";

    /** Mounts an image's volume at a target; closing unmounts everything it mounted. */
    @FunctionalInterface
    interface VolumeMounter {
        AutoCloseable mount(Path image, Path objects, Path work, Path target) throws Exception;
    }

    static AutoCloseable utilLinuxMount(Path image, Path objects, Path work, Path target) throws Exception {
        return ErofsVolumeMount.mount(image, objects, work.resolve("meta"), target);
    }

    static AutoCloseable newMountApi(Path image, Path objects, Path work, Path target) throws Exception {
        Files.createDirectories(target);
        ErofsOverlayMount.mountReadOnly(image, objects, target);
        return () -> Mounts.unmount(target);
    }

    private void assertVolumeMatchesManifest(Path src, String ref, VolumeMounter mounter) throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, ref, 2, Progress.NONE);
        Manifest manifest = new ManifestStore(cas).load(ref);
        Path image = tmp.resolve(ref + ".erofs");
        new ErofsImageWriter(ContentSizes.of(cas)).write(manifest, image);
        ErofsTools.fsck(image);
        Map<String, String> casBefore = CasHashes.of(cas.objectsDir());

        Path volume = tmp.resolve("volume");
        String mountsBefore = Mount.run("cat", "/proc/self/mounts");
        try (AutoCloseable mount = mounter.mount(image, cas.objectsDir(), tmp, volume)) {
            for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
                Path p = volume.resolve(e.getKey());
                Stat st = PosixFiles.lstat(p);
                switch (e.getValue()) {
                    case FileEntry f -> {
                        assertTrue(st.isRegularFile(), e.getKey());
                        assertEquals(f.mode(), st.permissions(), e.getKey());
                        assertEquals(f.uid(), st.uid(), e.getKey());
                        assertEquals(f.gid(), st.gid(), e.getKey());
                        long blobSize = Files.size(cas.instancePath(BlobKey.of(f)));
                        assertEquals(blobSize, st.size(), e.getKey());
                        assertEquals(f.digest(), Sha256.of(p), e.getKey() + " reads back as its blob");
                    }
                    case SymlinkEntry s -> {
                        assertTrue(st.isSymlink(), e.getKey());
                        assertEquals(s.target(), Files.readSymbolicLink(p).toString(), e.getKey());
                        assertEquals(s.uid(), st.uid(), e.getKey());
                    }
                    case DirEntry d -> {
                        assertTrue(st.isDirectory(), e.getKey());
                        assertEquals(d.mode(), st.permissions(), e.getKey());
                        assertEquals(d.uid(), st.uid(), e.getKey());
                        assertEquals(d.gid(), st.gid(), e.getKey());
                    }
                }
            }
            if (manifest.entries().containsKey("sentinel")) {
                assertEquals(SENTINEL, Files.readString(volume.resolve("sentinel")), "the sentinel reads its blob, not zeros");
            }
            assertThrows(java.io.IOException.class, () -> Files.writeString(volume.resolve("new-file"), "x"),
                    "the volume is read-only");
        }
        assertEquals(mountsBefore, Mount.run("cat", "/proc/self/mounts"), "no mount left behind");
        assertEquals(casBefore, CasHashes.of(cas.objectsDir()), "no blob changed");
    }
}
