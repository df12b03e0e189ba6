package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.posix.FileAttributes;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(Cas.class);

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
            boolean existed = Files.isDirectory(cas.objects);
            Files.createDirectories(cas.root);
            cas.keepRootOnly(existed);
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
            cas.keepRootOnly(true);
            Files.createDirectories(cas.tmp);
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmp.toString(), "creating the CAS tmp directory");
        }
        return cas;
    }

    /** The CAS root's mode: only its owner (root on a node) may enter it, as containerd and Docker keep theirs. */
    public static final int ROOT_MODE = 0700;

    /**
     * The store holds the setuid binaries and private files of every image it has, so no other local
     * user may reach it (DESIGN.md, "Store life cycle"): its root is made 0700 when created, and
     * tightened, with a line in the log, when an older store is found open. Volumes stay readable:
     * they are in the volumes directory, and a hard link needs no path through objects/. A store this
     * process does not own is left as it is (its owner's to change).
     */
    private void keepRootOnly(boolean existed) throws IOException {
        Stat stat = PosixFiles.lstat(root);
        if ((stat.permissions() & 07777) == ROOT_MODE) {
            return;
        }
        try {
            PosixFiles.chmod(root, ROOT_MODE);
        } catch (IOException e) {
            LOG.warn("the CAS at {} has mode {} and cannot be made root-only ({}): other users may read the setuid "
                    + "files of every image in it", root, String.format("%04o", stat.permissions()), e.getMessage());
            return;
        }
        if (existed && (stat.permissions() & 077) != 0) {
            LOG.info("the CAS at {} was open to other users (mode {}); made it root-only ({}): it holds every image's "
                    + "setuid files. Volumes stay readable through the volumes directory", root,
                    String.format("%04o", stat.permissions()), String.format("%04o", ROOT_MODE));
        }
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
     * and checked as {@link #checkInstance} does.
     *
     * @return the instance's size in bytes
     * @throws TinyVolException BLOB_MISSING if no instance of the content exists, BLOB_CORRUPT if the
     *                          content was changed through a link
     */
    public long ensureInstance(BlobKey key) {
        return checkInstance(key, null).size();
    }

    /**
     * What the check of an instance before it is linked, cloned or copied found.
     *
     * @param size   the instance's size in bytes
     * @param remade null if the instance was as the store made it; else what was wrong with it (e.g.
     *               "mode 4755, not 0755"): it was then made again from its own content, verified
     *               against its digest, and the old inode left to the volumes that link it
     */
    public record CheckedInstance(long size, String remade) {
    }

    /**
     * The instance for {@code key}, checked before it is used (DESIGN.md, "Link-time checks"): one
     * statx, through {@code objects} (an open descriptor of {@link #objectsDir()} the caller holds for
     * its whole work, or null) when given. An instance without its size, mode, owner or fixed mtime
     * was changed through some volume's hard link (chmod and chown move only the ctime, a write the
     * mtime): it is never linked again. Its content is copied and hashed; if it still hashes to its
     * digest, the copy, given the right attributes, is renamed over the instance's name (volumes that
     * link the old inode keep it, and verify names them); if not, the instance is refused. A missing
     * instance is made from another of the same content.
     *
     * @throws TinyVolException BLOB_MISSING if no instance of the content exists, BLOB_CORRUPT if its
     *                          content no longer matches its digest
     */
    public CheckedInstance checkInstance(BlobKey key, DirFd objects) {
        Path path = instancePath(key);
        try {
            Stat stat = objects != null ? objects.stat(instanceName(key)) : PosixFiles.lstat(path);
            if (tampering(key, stat, -1) == null) {
                return new CheckedInstance(stat.size(), null);
            }
            return remake(key);
        } catch (NoSuchFileException missing) {
            return new CheckedInstance(materializeFromSibling(key), null);
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading blob " + key);
        }
    }

    /**
     * What is wrong with an instance as one statx shows it, or null if nothing: not a regular file,
     * not {@code expectedSize} bytes (when that is known, i.e. not -1), or not the mode, owner and
     * fixed mtime its key gives it ({@link BlobKey#attributes()}). The one check every user of an
     * instance makes (assembly, ingest, pull, fsck).
     */
    public static String tampering(BlobKey key, Stat stat, long expectedSize) {
        if (!stat.isRegularFile()) {
            return "not a regular file";
        }
        FileAttributes wanted = key.attributes();
        boolean sizeWrong = expectedSize >= 0 && stat.size() != expectedSize;
        if (!sizeWrong && wanted.matches(stat)) {
            return null;
        }
        List<String> wrong = new ArrayList<>();
        if (sizeWrong) {
            wrong.add("size " + stat.size() + ", not " + expectedSize);
        }
        wanted.differences(stat).forEach(d -> wrong.add(d.detail()));
        return String.join("; ", wrong);
    }

    /** Makes a tampered instance again from its own content (see {@link #checkInstance}). */
    private CheckedInstance remake(BlobKey key) throws IOException {
        Path target = instancePath(key);
        synchronized (repairLock(key)) {
            Stat now = PosixFiles.lstat(target);
            String wrong = tampering(key, now, -1);
            if (wrong == null) {
                return new CheckedInstance(now.size(), null); // another thread re-made it first
            }
            if (!now.isRegularFile()) {
                throw new TinyVolException(ErrorCode.BLOB_CORRUPT, key.fileName(),
                        "blob " + target + " is not a regular file; remove it and ingest its content again");
            }
            installVerifiedCopy(key, target, AtomicFile.Durability.DURABLE, "re-making blob " + key);
            LOG.warn("blob instance {} had been changed through a link ({}); re-made from its content, which still "
                    + "matches its digest. Volumes that link the old inode keep it: 'tinyvol verify' names them", key, wrong);
            return new CheckedInstance(PosixFiles.lstat(target).size(), wrong);
        }
    }

    /** What ingest finds where an instance should be. */
    public enum InstanceState { INTACT, MISSING, DAMAGED }

    /** Looks at an instance without making or changing it. */
    public InstanceState inspect(BlobKey key) {
        return inspect(key, -1);
    }

    /**
     * As {@link #inspect(BlobKey)}: an instance {@link #tampering} finds anything wrong with is
     * DAMAGED, and so is one whose size is not {@code expectedSize} (when not -1): what a power loss
     * before the ingest's syncfs can leave (a name, a fixed mtime, and fewer bytes than the content
     * it is named by). The caller, which has the content, replaces it.
     */
    public InstanceState inspect(BlobKey key, long expectedSize) {
        Path path = instancePath(key);
        try {
            return tampering(key, PosixFiles.lstat(path), expectedSize) == null ? InstanceState.INTACT : InstanceState.DAMAGED;
        } catch (NoSuchFileException e) {
            return InstanceState.MISSING;
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading blob " + key);
        }
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
                if (!actual.equals(key.digest()) && source.equals(instancePath(key))) {
                    throw new TinyVolException(ErrorCode.BLOB_CORRUPT, key.fileName(),
                            "blob " + source + " was changed after ingest (its content now hashes to " + actual
                                    + "), probably by a write through a hard link in a volume; it is not linked again. "
                                    + "Ingest or pull the original content again, or run 'tinyvol cas fsck --repair', to "
                                    + "replace it, and check volumes with 'tinyvol verify --deep'");
                }
                if (!actual.equals(key.digest())) {
                    throw new TinyVolException(ErrorCode.BLOB_CORRUPT, source.toString(),
                            source + " hashes to " + actual + ", not " + key.digest()
                                    + " (changed while being read, or a blob changed through a link)");
                }
                key.attributes().applyToNew(part);
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

    private Object repairLock(BlobKey key) {
        return repairLocks[Math.floorMod(key.hashCode(), repairLocks.length)];
    }

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
        synchronized (repairLock(key)) {
            long expected;
            try {
                expected = Files.size(source);
            } catch (IOException e) {
                throw IoErrors.classify(e, source.toString(), "reading " + source);
            }
            if (inspect(key, expected) == InstanceState.INTACT) {
                return false;
            }
            try {
                // Not durable here: the ingest that calls this ends with one syncfs(2) of the CAS.
                installVerifiedCopy(key, source, AtomicFile.Durability.ATOMIC_ONLY, "replacing damaged blob " + key);
                return true;
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "replacing damaged blob " + key);
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
        synchronized (repairLock(key)) {
            try {
                installVerifiedCopy(key, source, AtomicFile.Durability.DURABLE, "replacing damaged blob " + key);
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "replacing damaged blob " + key);
            }
        }
    }

    /**
     * A verified copy of {@code source} renamed over the instance, so its name never stands empty;
     * the copy is removed if anything fails.
     */
    private void installVerifiedCopy(BlobKey key, Path source, AtomicFile.Durability durability, String doing)
            throws IOException {
        Path target = instancePath(key);
        Files.createDirectories(target.getParent());
        AtomicFile.install(verifiedCopy(key, source, true), target, durability, doing);
    }

    private static void deleteQuietly(Path path) {
        AtomicFile.discard(path); // a leftover in tmp/ would be harmless: the next clean of tmp/ removes it
    }
}
