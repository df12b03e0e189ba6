package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blobs changed through a hard link: repaired safely by many threads, and never hidden by a reset mtime. */
class DamagedBlobTest {

    @TempDir
    Path tmp;

    @Test
    void manyThreadsRepairingOneDamagedBlobAllSucceedAndTheRefIsWritten() throws Exception {
        Path src = tmp.resolve("src");
        for (int i = 0; i < 64; i++) {
            Trees.file(src, "copies/f" + i, "the same content\n", 0644);
        }
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 4).ingest(src, "first", 2, Progress.NONE);
        BlobKey key = new BlobKey(Trees.sha256("the same content\n"), 0644, 0, 0);
        for (int round = 0; round < 5; round++) {
            // A write through a link in some volume: content and mtime move.
            Files.writeString(cas.instancePath(key), "changed through a link " + round + "\n");
            assertEquals(Cas.InstanceState.DAMAGED, cas.inspect(key));
            IngestReport report = new Ingester(cas, 4).ingest(src, "again-" + round, 2, Progress.NONE);
            assertEquals(64, report.files());
            assertEquals(1, report.warnings().stream().filter(w -> w.contains("changed through a link")).count(),
                    "repaired once, said once: " + report.warnings());
            assertEquals(Cas.InstanceState.INTACT, cas.inspect(key));
            assertEquals("the same content\n", Files.readString(cas.instancePath(key)));
            assertTrue(new ManifestStore(cas).refs().contains("again-" + round));
        }
    }

    @Test
    void aWriteDuringTheCheckOfATouchedBlobIsNotHiddenByResettingItsMtime() throws Exception {
        // Big enough that hashing it takes a while; the write lands in the middle of the check.
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31);
        }
        try (var out = Files.newOutputStream(src.resolve("big.bin"))) {
            for (int i = 0; i < 256; i++) {
                out.write(chunk);
            }
        }
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "big", 2, Progress.NONE);
        String digest = Sha256.of(src.resolve("big.bin"));
        BlobKey key = new BlobKey(digest, 0644, 0, 0);
        Path blob = cas.instancePath(key);
        PosixFiles.setModifiedTime(blob, FileTime.fromMillis(1_000_000)); // touched, content intact: re-hashed on use

        CompletableFuture<Object> check = CompletableFuture.supplyAsync(() -> {
            try {
                return cas.ensureInstance(key);
            } catch (TinyVolException e) {
                return e;
            }
        });
        Thread.sleep(40);
        try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
            f.write("written through a link".getBytes()); // at offset 0, which the hash has read already
        }
        Object outcome = check.get();
        boolean mtimeReset = PosixFiles.lstat(blob).modified().equals(Cas.BLOB_MTIME);
        boolean contentIntact = Sha256.of(blob).equals(digest);
        assertFalse(mtimeReset && !contentIntact, "the write was hidden: the blob's mtime says untouched, its content "
                + "is not what its name says (outcome: " + outcome + ")");
        if (outcome instanceof TinyVolException e) {
            assertEquals(ErrorCode.BLOB_CORRUPT, e.code());
        }
        if (!contentIntact) {
            assertEquals(Cas.InstanceState.DAMAGED, cas.inspect(key), "the damage is still seen");
        }
    }
}
