package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.ManifestRules;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestIdentity;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.posix.Errno;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import dev.tinyvol.worker.progress.Progress;

/**
 * Compares a volume with its manifest: each file is the same inode as its blob instance (or, for a
 * copy-fallback file, the same size), with the manifest's mode and owner, and still carries the
 * blob's fixed mtime (a write through any link moves it); symlinks point where the manifest says;
 * directories have their modes and owners; nothing extra is there. Deep verification also hashes
 * every file, which catches a blob changed through a link even if its mtime was put back.
 */
public final class Verifier {

    private static final int SLICE = 512;

    private final Cas cas;
    private final VolumeStore volumes;
    private final ExecutorService pool;

    public Verifier(Cas cas, VolumeStore volumes, ExecutorService pool) {
        this.cas = cas;
        this.volumes = volumes;
        this.pool = pool;
    }

    /** Verifies against the manifest the volume was built from, as its record says. */
    public VerifyReport verify(String volume, boolean deep) {
        return verify(volume, deep, Progress.NONE);
    }

    /** As {@link #verify(String, boolean)}, telling {@code progress} how many entries are checked. */
    public VerifyReport verify(String volume, boolean deep, Progress progress) {
        try (VolumeLocks.Held lock = volumes.lock(volume, () -> { })) {
            return verifyHeld(volume, deep, progress);
        }
    }

    /** {@link #verify(String, boolean)} for a caller that already holds the volume's lock. */
    VerifyReport verifyHeld(String volume, boolean deep, Progress progress) {
        long start = System.nanoTime();
        requireVolume(volume);
        VolumeRecord record = volumes.record(volume).orElseThrow(() -> new TinyVolException(ErrorCode.MANIFEST_NOT_FOUND, volume,
                "volume " + volume + " has no record of the manifest it was built from; name one with --ref or --manifest"));
        Manifest manifest = volumes.keptManifest(record.manifestId()).orElseThrow(() -> new TinyVolException(
                ErrorCode.MANIFEST_NOT_FOUND, volume, "the manifest volume " + volume + " was built from ("
                + record.manifestId() + ") is no longer kept; name it with --ref or --manifest"));
        return compare(volume, manifest, record.manifestId(), privateFiles(record), deep, start, progress);
    }

    /** Verifies against {@code manifest}; files copied at assembly are known only if it is the one built from. */
    public VerifyReport verify(String volume, Manifest manifest, boolean deep) {
        return verify(volume, manifest, deep, Progress.NONE);
    }

    /** As {@link #verify(String, Manifest, boolean)}, telling {@code progress} how many entries are checked. */
    public VerifyReport verify(String volume, Manifest manifest, boolean deep, Progress progress) {
        try (VolumeLocks.Held lock = volumes.lock(volume, () -> { })) {
            return verifyHeld(volume, manifest, deep, progress);
        }
    }

    /** The right error for the cause: a volume that is not there is VOLUME_NOT_FOUND, whatever its records say. */
    private void requireVolume(String volume) {
        if (!Files.isDirectory(volumes.volumePath(volume), LinkOption.NOFOLLOW_LINKS)) {
            throw new TinyVolException(ErrorCode.VOLUME_NOT_FOUND, volume, "there is no volume " + volume + " in "
                    + volumes.root() + "; 'tinyvol list --volumes " + volumes.root() + "' shows those there are");
        }
    }

    /** {@link #verify(String, Manifest, boolean)} for a caller that already holds the volume's lock. */
    VerifyReport verifyHeld(String volume, Manifest manifest, boolean deep) {
        return verifyHeld(volume, manifest, deep, Progress.NONE);
    }

    private VerifyReport verifyHeld(String volume, Manifest manifest, boolean deep, Progress progress) {
        long start = System.nanoTime();
        requireVolume(volume); // before hashing the manifest's identity for a volume that is not there
        String manifestId = ManifestIdentity.of(manifest);
        java.util.function.Predicate<String> copied = volumes.record(volume)
                .filter(r -> r.manifestId().equals(manifestId))
                .map(Verifier::privateFiles)
                .orElse(rel -> false);
        return compare(volume, manifest, manifestId, copied, deep, start, progress);
    }

    /**
     * The comparison itself; the caller holds the volume's lock. The tree is read directory by
     * directory through descriptors (each opened with no symlink or mount point on the way), so a
     * workload that swaps a directory for a symlink cannot make verify read outside the volume.
     */
    /**
     * Which files are the volume's own inodes rather than links to blobs: all of them for a cloned or
     * copied volume, else the ones copy fallback copied. Those are checked by size, mode, owner and
     * mtime (and content when deep), not by inode.
     */
    private static java.util.function.Predicate<String> privateFiles(VolumeRecord record) {
        if (record.privateFiles()) {
            return rel -> true;
        }
        Set<String> copied = new HashSet<>(record.copiedPaths());
        return copied::contains;
    }

    private VerifyReport compare(String volume, Manifest manifest, String manifestId, java.util.function.Predicate<String> copied, boolean deep,
                                 long start, Progress progress) {
        Path rootPath = volumes.volumePath(volume); // its existence checked by the caller (requireVolume)
        Tally tally = new Tally();
        NavigableSet<String> dirs = Assembler.directoriesOf(manifest);
        Map<String, List<Map.Entry<String, ManifestEntry>>> byParent = new TreeMap<>();
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            byParent.computeIfAbsent(parentOf(e.getKey()), k -> new ArrayList<>()).add(e);
        }
        for (String dir : dirs) {
            if (!manifest.entries().containsKey(dir)) {
                byParent.computeIfAbsent(parentOf(dir), k -> new ArrayList<>()).add(Map.entry(dir, DirEntry.DEFAULT));
            }
        }
        long total = byParent.values().stream().mapToLong(List::size).sum();
        AtomicLong checked = new AtomicLong();
        String phase = deep ? "hashing" : "checking";
        progress.update(phase, 0, total);
        try (DirFd root = DirFd.open(rootPath)) {
            List<Future<?>> tasks = new ArrayList<>();
            List<Map.Entry<String, List<Map.Entry<String, ManifestEntry>>>> batch = new ArrayList<>();
            int batched = 0;
            for (Map.Entry<String, List<Map.Entry<String, ManifestEntry>>> group : byParent.entrySet()) {
                batch.add(group);
                batched += group.getValue().size();
                if (batched >= SLICE) {
                    List<Map.Entry<String, List<Map.Entry<String, ManifestEntry>>>> part = batch;
                    tasks.add(pool.submit(() -> part.forEach(g -> {
                        checkDirectory(root, g.getKey(), g.getValue(), copied, deep, tally);
                        progress.update(phase, checked.addAndGet(g.getValue().size()), total);
                    })));
                    batch = new ArrayList<>();
                    batched = 0;
                }
            }
            List<Map.Entry<String, List<Map.Entry<String, ManifestEntry>>>> rest = batch;
            tasks.add(pool.submit(() -> rest.forEach(g -> {
                checkDirectory(root, g.getKey(), g.getValue(), copied, deep, tally);
                progress.update(phase, checked.addAndGet(g.getValue().size()), total);
            })));
            WorkerPool.awaitAll(tasks);
            findExtras(root, manifest, dirs, tally);
        } catch (IOException e) {
            throw IoErrors.classify(e, rootPath.toString(), "opening volume " + volume);
        }
        List<VerifyReport.Problem> problems = new ArrayList<>(tally.problems);
        problems.sort(Comparator.comparing(VerifyReport.Problem::path));
        return new VerifyReport(volume, manifestId, deep, tally.verified.get(), tally.mismatched.get(), tally.missing.get(),
                tally.extra.get(), problems.subList(0, Math.min(problems.size(), VerifyReport.MAX_LISTED)),
                (System.nanoTime() - start) / 1_000_000);
    }

    static String parentOf(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    static String leafOf(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    /** Checks the entries of one directory through its own descriptor. */
    private void checkDirectory(DirFd root, String parent, List<Map.Entry<String, ManifestEntry>> entries,
                                java.util.function.Predicate<String> copied, boolean deep, Tally tally) {
        DirFd dir;
        if (parent.isEmpty()) {
            dir = root;
        } else {
            try {
                dir = root.openBeneath(parent);
            } catch (IOException e) {
                Errno errno = Errno.of(e);
                if (errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.ELOOP || errno == Errno.EXDEV) {
                    // The directory itself is reported by its own entry; what it should hold is not there.
                    String why = errno == Errno.EXDEV ? "its directory " + parent + " has another filesystem mounted on it"
                            : "its directory " + parent + " is missing or not a directory";
                    entries.forEach(en -> tally.problem(tally.missing, en.getKey(), "MISSING", why));
                    return;
                }
                throw IoErrors.classify(e, parent, "opening directory " + parent);
            }
        }
        try {
            for (Map.Entry<String, ManifestEntry> e : entries) {
                check(dir, e.getKey(), e.getValue(), copied, deep, tally);
            }
        } finally {
            if (dir != root) {
                dir.close();
            }
        }
    }

    private static final class Tally {
        final AtomicLong verified = new AtomicLong();
        final AtomicLong mismatched = new AtomicLong();
        final AtomicLong missing = new AtomicLong();
        final AtomicLong extra = new AtomicLong();
        final ConcurrentLinkedQueue<VerifyReport.Problem> problems = new ConcurrentLinkedQueue<>();

        void problem(AtomicLong counter, String path, String kind, String detail) {
            counter.incrementAndGet();
            if (problems.size() < VerifyReport.MAX_LISTED * 4) {
                problems.add(new VerifyReport.Problem(path, kind, detail));
            }
        }
    }

    private void check(DirFd dir, String rel, ManifestEntry entry, java.util.function.Predicate<String> copied, boolean deep, Tally tally) {
        byte[] leaf = leafOf(rel).getBytes(StandardCharsets.UTF_8);
        Stat stat;
        try {
            stat = dir.stat(leaf);
        } catch (NoSuchFileException e) {
            tally.problem(tally.missing, rel, "MISSING", "not in the volume");
            return;
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "reading " + rel);
        }
        String wrong;
        try {
            wrong = mismatch(dir, leaf, stat, entry, copied.test(rel) || (entry instanceof FileEntry fe && fe.copy()), deep);
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "verifying " + rel);
        }
        if (wrong == null) {
            tally.verified.incrementAndGet();
        } else {
            tally.problem(tally.mismatched, rel, "MISMATCH", wrong);
        }
    }

    /** What is wrong with one path, or null. */
    private String mismatch(DirFd dir, byte[] leaf, Stat stat, ManifestEntry entry, boolean isCopy, boolean deep)
            throws IOException {
        if (entry instanceof SymlinkEntry s) {
            if (!stat.isSymlink()) {
                return "expected a symlink, found " + kind(stat);
            }
            String target = new String(dir.readlink(leaf), StandardCharsets.UTF_8);
            if (!target.equals(Path.of(s.target()).toString())) {
                return "symlink points to " + target + ", expected " + s.target();
            }
            return owner(stat, entry);
        }
        if (entry instanceof DirEntry d) {
            if (!stat.isDirectory()) {
                return "expected a directory, found " + kind(stat);
            }
            String modeWrong = mode(stat, d.mode());
            return modeWrong != null ? modeWrong : owner(stat, entry);
        }
        FileEntry f = (FileEntry) entry;
        if (!stat.isRegularFile()) {
            return "expected a file, found " + kind(stat);
        }
        BlobKey key = BlobKey.of(f);
        Stat blob;
        try {
            blob = PosixFiles.lstat(cas.instancePath(key));
        } catch (NoSuchFileException e) {
            blob = null;
        }
        // Mode and owner first: a file whose instance was re-made after a chmod or chown through a
        // link is reported for what was done to it, not only as "another inode".
        String modeWrong = mode(stat, f.mode());
        if (modeWrong != null) {
            return modeWrong;
        }
        String ownerWrong = owner(stat, entry);
        if (ownerWrong != null) {
            return ownerWrong;
        }
        if (isCopy) {
            if (blob != null && blob.size() != stat.size()) {
                return "copied file is " + stat.size() + " bytes, blob " + key + " is " + blob.size();
            }
        } else if (blob == null) {
            return "blob " + key + " is no longer in the CAS";
        }
        if (!stat.modified().equals(Cas.BLOB_MTIME)) {
            return "written after assembly (its mtime moved to " + stat.modified() + ")"
                    + (isCopy || !blob.sameInode(stat) ? "" : "; the write changed blob " + key + " and every volume that links it");
        }
        if (!isCopy && !blob.sameInode(stat)) {
            return "not a link to blob " + key + " (another inode: the file was replaced, or the blob re-made "
                    + "after it was changed through a link)";
        }
        if (deep) {
            String actual;
            try (InputStream in = dir.openRead(leaf, stat)) {
                actual = Sha256.of(in);
            } catch (dev.tinyvol.worker.posix.FileSwappedException swapped) {
                // A workload's swap (a FIFO put there would have hung an open that waits): a finding, not a failure.
                return "replaced while it was verified: " + dev.tinyvol.worker.posix.FileSwappedException.describe(swapped.examined())
                        + " when checked, " + dev.tinyvol.worker.posix.FileSwappedException.describe(swapped.opened())
                        + " when opened to be hashed";
            }
            if (!actual.equals(f.digest())) {
                return "content hashes to " + actual + ", expected " + f.digest();
            }
        }
        return null;
    }

    private static String mode(Stat stat, int expected) {
        return stat.permissions() == expected ? null
                : "mode is " + ManifestRules.formatMode(stat.permissions()) + ", expected " + ManifestRules.formatMode(expected);
    }

    private static String owner(Stat stat, ManifestEntry entry) {
        return stat.uid() == entry.uid() && stat.gid() == entry.gid() ? null
                : "owner is " + stat.uid() + ":" + stat.gid() + ", expected " + entry.uid() + ":" + entry.gid();
    }

    private static String kind(Stat stat) {
        return stat.isDirectory() ? "a directory" : stat.isSymlink() ? "a symlink" : stat.isRegularFile() ? "a file" : "a special file";
    }

    /** Anything in the tree that the manifest does not account for. Never follows a symlink. */
    private static void findExtras(DirFd root, Manifest manifest, Set<String> dirs, Tally tally) throws IOException {
        Deque<String> pending = new ArrayDeque<>();
        pending.push("");
        while (!pending.isEmpty()) {
            String dir = pending.pop();
            List<DirFd.Entry> children;
            if (dir.isEmpty()) {
                children = root.list();
            } else {
                try (DirFd d = root.openBeneath(dir)) {
                    children = d.list();
                } catch (IOException e) {
                    continue; // not a directory (any more): reported as a mismatch by its own check
                }
            }
            for (DirFd.Entry child : children) {
                String name = child.nameString();
                String rel = dir.isEmpty() ? name : dir + "/" + name;
                boolean known = manifest.entries().containsKey(rel) || dirs.contains(rel);
                if (!known) {
                    tally.problem(tally.extra, rel, "EXTRA", "not in the manifest");
                } else if (dirs.contains(rel) && child.mayBeDirectory()) {
                    pending.push(rel);
                }
            }
        }
    }
}
