package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writers of instances (an ingest, a pull's blob writer) that find an instance already there
 * check it as assembly does: one whose mode or owner was changed through a link is replaced, not
 * kept because its name, size and mtime look right.
 */
class TamperedInstanceStoreTest {

    @TempDir
    Path tmp;

    @Test
    void anIngestReplacesAnInstanceWhoseModeWasChangedThroughALink() throws Exception {
        Path src = tmp.resolve("src");
        Trees.file(src, "usr/bin/tool", "a tool\n", 0755);
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "first", 2, Progress.NONE);
        BlobKey key = new BlobKey(Trees.sha256("a tool\n"), 0755, 0, 0);
        PosixFiles.chmod(cas.instancePath(key), 04755); // as 'chmod u+s' through any volume's link would

        IngestReport again = new Ingester(cas, 2).ingest(src, "second", 2, Progress.NONE);

        assertHasItsAttributes(cas, key);
        assertTrue(again.warnings().stream().anyMatch(w -> w.contains(key.toString()) && w.contains("changed through a link")),
                again.warnings().toString());
    }

    @Test
    void aPullsBlobWriterReplacesAnInstanceWhoseOwnerWasChangedThroughALink() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        byte[] content = "a file of a layer\n".getBytes(StandardCharsets.UTF_8);
        BlobKey key;
        try (BlobWriter writer = cas.blobWriter()) {
            key = writer.store(new ByteArrayInputStream(content), 0644, 0, 0).key();
        }
        PosixFiles.lchown(cas.instancePath(key), 1234, 1234);

        Cas.Streamed second;
        try (BlobWriter writer = cas.blobWriter()) {
            second = writer.store(new ByteArrayInputStream(content), 0644, 0, 0);
        }

        assertTrue(second.fresh(), "the tampered instance was replaced by the pull's own copy");
        assertHasItsAttributes(cas, key);
    }

    private static void assertHasItsAttributes(Cas cas, BlobKey key) throws Exception {
        Stat stat = PosixFiles.lstat(cas.instancePath(key));
        assertEquals(key.mode(), stat.permissions(), "mode");
        assertEquals(key.uid(), stat.uid(), "uid");
        assertEquals(key.gid(), stat.gid(), "gid");
        assertEquals(Cas.BLOB_MTIME, stat.modified(), "mtime");
        assertEquals(null, Cas.tampering(key, stat, -1));
        
    }
}
