package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.posix.DirFd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores blobs from streams whose digest is known only at their end (the files of a layer), as few
 * system calls per blob as it can: one temporary file per blob in {@code tmp/} with a name that needs
 * no random number, written while hashed, given its attributes, then renamed into its instance name
 * relative to open descriptors with RENAME_NOREPLACE (a blob already there wins, and no name ever
 * holds a partial file). Nothing is fsync'd here: the caller syncs the filesystem once before a
 * ref names what was stored. Thread-safe; one per pull.
 */
public final class BlobWriter implements AutoCloseable {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Cas cas;
    private final DirFd tmp;
    private final DirFd objects;
    private final String prefix = "stream." + ProcessHandle.current().pid() + ".";
    private final Set<String> shards = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(128 * 1024));

    BlobWriter(Cas cas) {
        this.cas = cas;
        try {
            this.tmp = DirFd.open(cas.tmpDir());
            this.objects = DirFd.open(cas.objectsDir());
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.root().toString(), "opening the CAS");
        }
    }

    /**
     * Stores what {@code in} holds to its end as the instance with these attributes.
     *
     * @throws IOException as {@code in} threw it, when reading failed (the caller knows what its
     *                     source is; a failure to write is a {@code TinyVolException} naming the CAS)
     */
    public Cas.Streamed store(InputStream in, int mode, long uid, long gid) throws IOException {
        String name = prefix + SEQUENCE.incrementAndGet() + ".part";
        Path part = cas.tmpDir().resolve(name);
        boolean placed = false;
        try {
            MessageDigest sha = Sha256.newDigest();
            long size = 0;
            ByteBuffer buffer = buffers.get();
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] array = buffer.array();
                for (int n; (n = read(in, array)) > 0; ) {
                    sha.update(array, 0, n);
                    buffer.clear().limit(n);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    size += n;
                }
            }
            BlobKey key = new BlobKey(HexFormat.of().formatHex(sha.digest()), mode, uid, gid);
            key.attributes().applyToNew(part);
            String shard = key.digest().substring(0, 2);
            if (!shards.contains(shard)) {
                // Made before it is marked made: a thread that finds the mark renames into it at once.
                try {
                    objects.mkdir(shard, 0755);
                } catch (FileAlreadyExistsException exists) {
                    // the usual case
                }
                shards.add(shard);
            }
            try {
                tmp.rename(name, objects, Cas.instanceName(key), DirFd.RenameMode.NO_REPLACE);
                placed = true;
                return new Cas.Streamed(key, size, true);
            } catch (FileAlreadyExistsException already) {
                // Stored before, by this pull or another; unless a power loss before a sync cut it short
                // (its size says so) or it was changed through a volume's link (a chmod, chown or write:
                // its attributes say so): then this whole, just-hashed copy takes its place.
                if (Cas.tampering(key, objects.stat(Cas.instanceName(key)), size) == null) {
                    return new Cas.Streamed(key, size, false);
                }
                tmp.rename(name, objects, Cas.instanceName(key), DirFd.RenameMode.REPLACE);
                placed = true;
                return new Cas.Streamed(key, size, true);
            }
        } catch (ReadFailure e) {
            throw e.source;
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmpDir().toString(), "storing a blob");
        } finally {
            if (!placed) {
                try {
                    tmp.unlink(name);
                } catch (IOException ignored) {
                    // not created, or already gone: nothing is left under an object name either way
                }
            }
        }
    }

    private static int read(InputStream in, byte[] into) throws ReadFailure {
        try {
            return in.read(into, 0, into.length);
        } catch (IOException e) {
            throw new ReadFailure(e);
        }
    }

    /** Reading the source failed: not the CAS's fault, so not classified as the CAS's error. */
    private static final class ReadFailure extends IOException {
        private static final long serialVersionUID = 1L;
        final transient IOException source;

        ReadFailure(IOException source) {
            super(source);
            this.source = source;
        }
    }

    @Override
    public void close() {
        tmp.close();
        objects.close();
    }
}
