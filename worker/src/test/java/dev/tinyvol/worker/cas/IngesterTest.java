package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.posix.Stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngesterTest {

    @TempDir
    Path tmp;

    @Test
    void storesOneInstancePerContentModeAndOwnerAndWritesAV2Manifest() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));

        IngestReport report = new Ingester(cas, 2).ingest(src, "root-1", 2, Progress.NONE);

        assertEquals(6, report.files());
        assertEquals(2, report.symlinks());
        assertEquals(5, report.newBlobs(), "the two copies of libx.so.1 share one instance");
        Manifest m = new ManifestStore(cas).load("root-1");
        assertEquals(2, m.version());
        String lib = Trees.sha256("library bytes\n");
        assertEquals(new FileEntry(lib, 0644, 0, 0), m.entries().get("usr/lib/libx.so.1"));
        assertEquals(new FileEntry(Trees.sha256("setuid binary\n"), 04755, 0, 0), m.entries().get("usr/bin/su"));
        assertEquals(new FileEntry(Trees.sha256("key=value\n"), 0640, 0, 42), m.entries().get("etc/app.conf"));
        assertEquals(new SymlinkEntry("/nonexistent/zoneinfo/UTC"), m.entries().get("etc/localtime"));
        assertEquals(new DirEntry(0700, 0, 0), m.entries().get("var/cache/app"));
        assertEquals(new DirEntry(01777, 0, 0), m.entries().get("tmp"));
        assertEquals(new DirEntry(0750, 1000, 1000), m.entries().get("home/user"));
        assertFalse(m.entries().containsKey("usr"), "default directories need no entry");

        Stat su = PosixFiles.lstat(cas.instancePath(new BlobKey(Trees.sha256("setuid binary\n"), 04755, 0, 0)));
        assertEquals(04755, su.permissions());
        assertEquals(Cas.BLOB_MTIME, su.modified(), "blobs carry the fixed mtime that exposes writes");
        assertTrue(cas.instancePath(new BlobKey(lib, 0644, 0, 0)).toString().endsWith(lib + ".0644.0.0"));
        assertEquals(List.of(), filesIn(cas.tmpDir()), "no staging left in tmp/");
    }

    @Test
    void secondIngestOfTheSameTreeStoresNothingNew() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "a", 2, Progress.NONE);
        IngestReport again = new Ingester(cas, 2).ingest(src, "b", 2, Progress.NONE);
        assertEquals(0, again.newBlobs());
        assertEquals(0, again.newBytes());
        assertEquals(List.of("a", "b"), new ManifestStore(cas).refs());
    }

    @Test
    void aBlobCutShortAsAPowerLossBeforeTheSyncLeavesItIsStoredAgain() throws Exception {
        // Blobs are made durable by one syncfs before the ref: a power loss before it can leave an
        // instance with its name and its fixed mtime but fewer bytes. The next ingest must not trust it.
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "rootfs", 2, dev.tinyvol.worker.progress.Progress.NONE);
        FileEntry conf = (FileEntry) new ManifestStore(cas).load("rootfs").entries().get("etc/app.conf");
        Path instance = cas.instancePath(BlobKey.of(conf));
        java.nio.file.Files.write(instance, new byte[0]); // what the disk kept of it
        dev.tinyvol.worker.posix.PosixFiles.setModifiedTime(instance, Cas.BLOB_MTIME);

        IngestReport again = new Ingester(cas, 2).ingest(src, "rootfs", 2, dev.tinyvol.worker.progress.Progress.NONE);
        assertEquals(java.nio.file.Files.size(src.resolve("etc/app.conf")), java.nio.file.Files.size(instance));
        assertEquals(conf.digest(), Sha256.of(instance));
        assertTrue(again.warnings().stream().anyMatch(w -> w.contains("replaced with the content of etc/app.conf")), again.warnings().toString());
    }

    @Test
    void v1KeepsRegularFilesOnlyAsBareBlobs() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));
        IngestReport report = new Ingester(cas, 2).ingest(src, "v1", 1, Progress.NONE);
        Manifest m = new ManifestStore(cas).load("v1");
        assertEquals(1, m.version());
        assertEquals(6, m.entries().size());
        assertEquals(FileEntry.v1(Trees.sha256("setuid binary\n")), m.entries().get("usr/bin/su"));
        assertTrue(Files.exists(cas.instancePath(BlobKey.bare(Trees.sha256("setuid binary\n")))));
        assertEquals(2, report.skipped());
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains("skipped symlink etc/localtime")), report.warnings().toString());
    }

    @Test
    void skipsFifosAndSocketsNamingEach() throws Exception {
        Path src = tmp.resolve("src");
        Trees.file(src, "ok.txt", "ok", 0644);
        Mount.run("mkfifo", src.resolve("pipe").toString());
        try (ServerSocketChannel socket = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(src.resolve("sock")));
            IngestReport report = new Ingester(Cas.create(tmp.resolve("cas")), 2).ingest(src, "s", 2, Progress.NONE);
            assertEquals(1, report.files());
            assertEquals(2, report.skipped());
            assertTrue(report.warnings().contains("skipped fifo pipe: only files, directories and symlinks are stored"), report.warnings().toString());
            assertTrue(report.warnings().contains("skipped socket sock: only files, directories and symlinks are stored"), report.warnings().toString());
        }
    }

    @Test
    void refusesBadRefNamesAndMissingSources() {
        Cas cas = Cas.create(tmp.resolve("cas"));
        TinyVolException badRef = assertThrows(TinyVolException.class,
                () -> new Ingester(cas, 1).ingest(tmp, "../escape", 2, Progress.NONE));
        assertEquals(ErrorCode.INVALID_REF, badRef.code());
        TinyVolException missing = assertThrows(TinyVolException.class,
                () -> new Ingester(cas, 1).ingest(tmp.resolve("nope"), "x", 2, Progress.NONE));
        assertEquals(ErrorCode.INVALID_PATH, missing.code());
    }

    @Test
    void loadingAnUnknownOrBrokenRefNamesIt() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        TinyVolException unknown = assertThrows(TinyVolException.class, () -> new ManifestStore(cas).load("nope"));
        assertEquals(ErrorCode.MANIFEST_NOT_FOUND, unknown.code());
        assertTrue(unknown.getMessage().contains("no manifest named 'nope'"), unknown.getMessage());
        Files.writeString(cas.refsDir().resolve("broken.json"), "{\"objects\":{\"../x\":\"" + "a".repeat(64) + "\"}}");
        TinyVolException broken = assertThrows(TinyVolException.class, () -> new ManifestStore(cas).load("broken"));
        assertEquals(ErrorCode.INVALID_PATH, broken.code());
        assertTrue(broken.getMessage().startsWith("manifest 'broken': objects[\"../x\"]"), broken.getMessage());
    }

    @Test
    void openRefusesADirectoryThatIsNotACas() {
        TinyVolException e = assertThrows(TinyVolException.class, () -> Cas.open(tmp));
        assertEquals(ErrorCode.NOT_A_CAS, e.code());
    }

    @Test
    void aFullCasFilesystemFailsWithNoSpaceAndLeavesNoPartFiles() throws Exception {
        Path src = tmp.resolve("src");
        Trees.file(src, "big.bin", "x".repeat(2 * 1024 * 1024), 0644);
        try (Mount small = Mount.tmpfs(tmp.resolve("small"), "size=1m")) {
            Cas cas = Cas.create(small.point().resolve("cas"));
            TinyVolException e = assertThrows(TinyVolException.class, () -> new Ingester(cas, 1).ingest(src, "big", 2, Progress.NONE));
            assertEquals(ErrorCode.NO_SPACE, e.code(), e.getMessage());
            assertEquals(List.of(), filesIn(cas.tmpDir()));
            assertEquals(List.of(), new ManifestStore(cas).refs());
        }
    }

    private static List<Path> filesIn(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }
}
