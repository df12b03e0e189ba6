package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node's content-addressed store (DESIGN.md, "The local CAS"):
 * <pre>
 * objects/&lt;2 hex&gt;/&lt;64 hex&gt;[.&lt;mode&gt;.&lt;uid&gt;.&lt;gid&gt;]   blob instances
 * refs/&lt;name&gt;.json                                  stored manifests
 * tmp/                                               staging for new blobs (same filesystem)
 * </pre>
 * Every blob instance carries the fixed modification time {@link #BLOB_MTIME}. A write through any
 * hard link moves it, which is how a blob changed in place is told from a good one without hashing
 * every blob on every use.
 */
public final class Cas {

    /** The modification time every blob instance carries (the epoch, as ostree uses). */
    public static final FileTime BLOB_MTIME = FileTime.fromMillis(0);

    private final Path root;
    private final Path objects;
    private final Path refs;
    private final Path tmp;

    private Cas(Path root) {
        this.root = root;
        this.objects = root.resolve("objects");
        this.refs = root.resolve("refs");
        this.tmp = root.resolve("tmp");
    }

    /** Opens the CAS at {@code root}, creating its layout if it is not there yet. */
    public static Cas create(Path root) {
        Cas cas = new Cas(root.toAbsolutePath().normalize());
        try {
            Files.createDirectories(cas.objects);
            Files.createDirectories(cas.refs);
            Files.createDirectories(cas.tmp);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "creating the CAS");
        }
        return cas;
    }

    /** Opens an existing CAS; refuses a directory that is not one. */
    public static Cas open(Path root) {
        Cas cas = new Cas(root.toAbsolutePath().normalize());
        if (!Files.isDirectory(cas.objects)) {
            throw new TinyVolException(ErrorCode.NOT_A_CAS, root.toString(),
                    "no TinyVol CAS at " + root + " (it has no objects/ directory); create one with 'tinyvol cas ingest DIR --cas "
                            + root + " --ref NAME'");
        }
        try {
            Files.createDirectories(cas.tmp);
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmp.toString(), "creating the CAS tmp directory");
        }
        return cas;
    }

    public Path root() {
        return root;
    }

    public Path refsDir() {
        return refs;
    }

    public Path tmpDir() {
        return tmp;
    }

    /** The objects directory, for linking relative to its descriptor. */
    public Path objectsDir() {
        return objects;
    }

    /** An instance's name below {@link #objectsDir()}: {@code <2 hex>/<file name>}. */
    public static String instanceName(BlobKey key) {
        return key.digest().substring(0, 2) + "/" + key.fileName();
    }

    public Path instancePath(BlobKey key) {
        return objects.resolve(key.digest().substring(0, 2)).resolve(key.fileName());
    }

    /**
     * The instance for {@code key}, made from another instance of the same content on first need,
     * and checked: an instance whose modification time has moved is hashed again and refused if its
     * content no longer matches its name.
     *
     * @return the instance's size in bytes
     * @throws TinyVolException BLOB_MISSING if no instance of the content exists, BLOB_CORRUPT if the
     *                          content was changed through a link
     */
    public long ensureInstance(BlobKey key) {
        return ensureInstance(key, null);
    }

    /**
     * As {@link #ensureInstance(BlobKey)}, looking first through {@code objects}, an open descriptor
     * of {@link #objectsDir()} the caller holds for the duration of its work (an assembly): the
     * common case, once per distinct blob, is then one statx of a short relative name.
     */
    public long ensureInstance(BlobKey key, DirFd objects) {
        Path path = instancePath(key);
        try {
            if (objects != null) {
                Stat fast = objects.stat(instanceName(key));
                if (fast.isRegularFile() && fast.modified().equals(BLOB_MTIME)) {
                    return fast.size();
                }
            }
            return checked(key, path, basicStat(path));
        } catch (NoSuchFileException missing) {
            return materializeFromSibling(key);
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading blob " + key);
        }
    }

    /** What ingest finds where an instance should be. */
    public enum InstanceState { INTACT, MISSING, DAMAGED }

    /** Looks at an instance without making or changing it (beyond restoring a touched mtime). */
    public InstanceState inspect(BlobKey key) {
        return inspect(key, -1);
    }

    /**
     * As {@link #inspect(BlobKey)}, and an instance whose size is not {@code expectedSize} (when not
     * -1) is DAMAGED: what a power loss before the ingest's syncfs can leave (a name, a fixed mtime,
     * and fewer bytes than the content it is named by).
     */
    public InstanceState inspect(BlobKey key, long expectedSize) {
        Path path = instancePath(key);
        try {
            BasicFileAttributes stat = basicStat(path);
            if (expectedSize >= 0 && stat.isRegularFile() && stat.size() != expectedSize) {
                return InstanceState.DAMAGED;
            }
            checked(key, path, stat);
            return InstanceState.INTACT;
        } catch (NoSuchFileException e) {
            return InstanceState.MISSING;
        } catch (TinyVolException e) {
            if (e.code() == ErrorCode.BLOB_CORRUPT) {
                return InstanceState.DAMAGED;
            }
            throw e;
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading blob " + key);
        }
    }

    /** Basic attributes are read without the map the {@code unix:} view builds: this runs once per blob. */
    private static BasicFileAttributes basicStat(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private long checked(BlobKey key, Path path, BasicFileAttributes stat) throws IOException {
        if (!stat.isRegularFile()) {
            throw new TinyVolException(ErrorCode.BLOB_CORRUPT, key.fileName(),
                    "blob " + path + " is not a regular file; remove it and ingest its content again");
        }
        if (stat.lastModifiedTime().equals(BLOB_MTIME)) {
            return stat.size();
        }
        // Hash, then look again: a write during the hash (mtime, size or ctime moved) means the hash
        // describes content that is gone, so resetting the mtime now would hide that write.
        Stat before = PosixFiles.lstat(path);
        String actual = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            actual = Sha256.of(path);
            Stat after = PosixFiles.lstat(path);
            if (after.modified().equals(before.modified()) && after.size() == before.size()
                    && after.changed().equals(before.changed())) {
                break;
            }
            if (attempt == 2) {
                throw new TinyVolException(ErrorCode.BLOB_CORRUPT, key.fileName(), "blob " + path + " keeps changing "
                        + "while it is checked (something writes to it through a hard link); it is not linked again");
            }
            before = after;
        }
        if (!actual.equals(key.digest())) {
            throw new TinyVolException(ErrorCode.BLOB_CORRUPT, key.fileName(),
                    "blob " + path + " was changed after ingest (its content now hashes to " + actual
                            + "), probably by a write through a hard link in a volume; it is not linked again. "
                            + "Ingest the original content again to replace it, and check volumes with 'tinyvol verify --deep'");
        }
        // Touched but intact (e.g. by a backup tool): restore the marker so the next use is cheap.
        PosixFiles.setModifiedTime(path, BLOB_MTIME);
        return before.size();
    }

    private long materializeFromSibling(BlobKey key) {
        List<Path> siblings = siblings(key.digest());
        if (siblings.isEmpty()) {
            throw new TinyVolException(ErrorCode.BLOB_MISSING, key.digest(),
                    "blob " + key.digest() + " is not in the CAS at " + root + "; ingest a tree that holds it first");
        }
        TinyVolException last = null;
        for (Path sibling : siblings) {
            try {
                store(key, sibling);
                return Files.size(instancePath(key));
            } catch (TinyVolException e) {
                if (e.code() != ErrorCode.BLOB_CORRUPT) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                throw IoErrors.classify(e, instancePath(key).toString(), "reading new blob instance " + key);
            }
        }
        throw last;
    }

    /** Every instance of a content (the bare one first), whatever its mode and owner. */
    public List<Path> siblings(String digest) {
        List<Path> found = new ArrayList<>();
        Path shard = objects.resolve(digest.substring(0, 2));
        try (DirectoryStream<Path> names = Files.newDirectoryStream(shard, digest + "*")) {
            for (Path p : names) {
                String name = p.getFileName().toString();
                if (name.equals(digest)) {
                    found.add(0, p); // the bare instance is the likeliest to be intact
                } else if (name.startsWith(digest + ".")) {
                    found.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return found;
        } catch (IOException e) {
            throw IoErrors.classify(e, shard.toString(), "listing blob instances");
        }
        return found;
    }

    /**
     * Stores the instance {@code key} with the content of {@code source}: copied into {@code tmp/}
     * while hashed, refused if the hash is not {@code key.digest()}, given its mode, owner and fixed
     * mtime, fsync'd, then linked into place. Linking (not renaming) means a concurrent writer of the
     * same instance cannot be overwritten: the first one in wins, both are identical.
     *
     * @return true if this call stored it, false if it was there already
     */
    public boolean store(BlobKey key, Path source) {
        return store(key, source, true);
    }

    /**
     * As {@link #store(BlobKey, Path)} without the fsync: for a caller storing many blobs (an ingest),
     * which makes them durable with one {@link #syncFilesystem()} before a ref names them.
     */
    public boolean storeUnsynced(BlobKey key, Path source) {
        return store(key, source, false);
    }

    private boolean store(BlobKey key, Path source, boolean fsync) {
        Path target = instancePath(key);
        Path part = null;
        try {
            part = verifiedCopy(key, source, fsync);
            Files.createDirectories(target.getParent());
            try {
                Files.createLink(target, part);
                return true;
            } catch (FileAlreadyExistsException raced) {
                return false;
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, target.toString(), "storing blob " + key);
        } finally {
            deleteQuietly(part);
        }
    }

    /** A copy of {@code source} in tmp/ with the instance's attributes, fsync'd, refused unless it hashes to the key. */
    private Path verifiedCopy(BlobKey key, Path source, boolean fsync) throws IOException {
        Path part = Files.createTempFile(tmp, key.digest().substring(0, 12) + ".", ".part");
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                String actual = Sha256.copy(source, out);
                if (!actual.equals(key.digest())) {
                    throw new TinyVolException(ErrorCode.BLOB_CORRUPT, source.toString(),
                            source + " hashes to " + actual + ", not " + key.digest()
                                    + " (changed while being read, or a blob changed through a link)");
                }
                if (key.uid() != 0 || key.gid() != 0) {
                    PosixFiles.lchown(part, key.uid(), key.gid());
                }
                PosixFiles.chmod(part, key.mode()); // after chown, which clears setuid/setgid
                PosixFiles.setModifiedTime(part, BLOB_MTIME);
                if (fsync) {
                    channel.force(true);
                }
            }
            done = true;
            return part;
        } finally {
            if (!done) {
                deleteQuietly(part);
            }
        }
    }

    /** What a {@link BlobWriter} stored: the instance, its size, and whether this call made it. */
    public record Streamed(BlobKey key, long size, boolean fresh) {
    }

    /** Shared while blobs are named or linked (ingest, pull, assembly); exclusive for a gc. */
    public StoreLock lock() {
        return StoreLock.of(this);
    }

    /** A writer of many blobs from streams (a pull), each named by the digest it hashes to. */
    public BlobWriter blobWriter() {
        return new BlobWriter(this);
    }

    /** One syncfs(2) for everything written to the CAS's filesystem: cheaper than an fsync per blob. */
    public void syncFilesystem() {
        try (DirFd dir = DirFd.open(objects)) {
            dir.syncfs();
        } catch (IOException e) {
            throw IoErrors.classify(e, objects.toString(), "syncing the CAS's filesystem");
        }
    }

    /** One monitor per few instances, so threads repairing the same instance take turns. */
    private final Object[] repairLocks = java.util.stream.IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();

    /**
     * Replaces a damaged instance with good content, atomically: a verified copy is renamed over
     * it, so the instance's name never stands empty, and threads or processes repairing the same
     * instance at once each leave a good one (the first repairs it; the others find it intact).
     * Volumes linked to the damaged inode keep it; {@code tinyvol verify} reports them.
     *
     * @return true if this call replaced it, false if it was intact by the time it looked
     */
    public boolean replace(BlobKey key, Path source) {
        Path target = instancePath(key);
        synchronized (repairLocks[Math.floorMod(key.hashCode(), repairLocks.length)]) {
            long expected;
            try {
                expected = Files.size(source);
            } catch (IOException e) {
                throw IoErrors.classify(e, source.toString(), "reading " + source);
            }
            if (inspect(key, expected) == InstanceState.INTACT) {
                return false;
            }
            Path part = null;
            try {
                part = verifiedCopy(key, source, true);
                Files.createDirectories(target.getParent());
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                part = null;
                return true;
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "replacing damaged blob " + key);
            } finally {
                deleteQuietly(part);
            }
        }
    }

    /**
     * Replaces an instance known to be damaged (whatever its mtime says) with a verified copy of
     * {@code source}, renamed over it: the name never stands empty. Volumes linked to the damaged
     * inode keep it; the caller keeps the evidence (fsck links it into quarantine/ first).
     */
    public void replaceDamaged(BlobKey key, Path source) {
        Path target = instancePath(key);
        synchronized (repairLocks[Math.floorMod(key.hashCode(), repairLocks.length)]) {
            Path part = null;
            try {
                part = verifiedCopy(key, source, true);
                Files.createDirectories(target.getParent());
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                part = null;
                PosixFiles.fsyncDirectory(target.getParent());
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "replacing damaged blob " + key);
            } finally {
                deleteQuietly(part);
            }
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A leftover .part file in tmp/ is harmless and removed by the next clean of tmp/.
        }
    }
}
