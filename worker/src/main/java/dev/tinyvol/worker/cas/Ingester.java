package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.ManifestException;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a directory into blobs plus a manifest. Files are hashed and stored on several threads:
 * most of the time goes to reading and to fsync, and the filesystem's journal commits concurrent
 * fsyncs together.
 */
public final class Ingester {

    private static final int MAX_LISTED_WARNINGS = 100;

    private final Cas cas;
    private final ManifestStore store;
    private final int threads;
    private final boolean strict;

    public Ingester(Cas cas, int threads) {
        this(cas, threads, false);
    }

    /**
     * @param strict a file or directory that vanishes while the tree is read fails the ingest
     *               ({@code SOURCE_CHANGED}); otherwise it is left out with a warning naming it, as tar
     *               says "file removed before we read it": live trees change (a package being installed)
     */
    public Ingester(Cas cas, int threads, boolean strict) {
        this.cas = cas;
        this.store = new ManifestStore(cas);
        this.threads = Math.max(1, threads);
        this.strict = strict;
    }

    /** A file or directory gone between listing and reading: a warning, or the ingest's failure when strict. */
    private void vanished(String rel, List<String> warnings) {
        if (strict) {
            throw new TinyVolException(ErrorCode.SOURCE_CHANGED, rel, rel + " was removed while the tree was read; "
                    + "ingest a tree nothing changes, or leave out --strict to skip what vanishes with a warning");
        }
        warnings.add(rel + ": removed before it was read; left out");
    }

    /**
     * @param format 2 (modes, owners, symlinks, empty directories) or 1 (regular files only, all
     *               linked to the bare 0444 root instance; anything else left out with a warning)
     */
    public IngestReport ingest(Path source, String ref, int format, Progress progress) {
        return ingest(source, ref, format, CopyPaths.NONE, progress);
    }

    /** As {@link #ingest(Path, String, int, Progress)}, marking the files {@code copy} matches as copied into volumes. */
    public IngestReport ingest(Path source, String ref, int format, CopyPaths copy, Progress progress) {
        long start = System.nanoTime();
        if (!copy.isEmpty() && format != 2) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MANIFEST_VERSION, ref, "copy paths need a v2 manifest "
                    + "(--format v2): v1 manifests have no per-file attributes");
        }
        if (format != 1 && format != 2) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MANIFEST_VERSION, "format", "format must be v1 or v2");
        }
        if (!Files.isDirectory(source)) {
            throw new TinyVolException(ErrorCode.INVALID_PATH, source.toString(), source + " is not a directory");
        }
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Scan scan = scan(source, format, warnings, progress);
        // From the first blob checked to the ref written, no gc may remove what this ingest relies on.
        try (StoreLock.Held writing = cas.lock().shared()) {
            return store(source, ref, format, copy, progress, start, warnings, scan);
        }
    }

    private IngestReport store(Path source, String ref, int format, CopyPaths copy, Progress progress, long start,
                               List<String> warnings, Scan scan) {

        Map<String, FileEntry> files = new ConcurrentHashMap<>();
        Set<String> newDigests = ConcurrentHashMap.newKeySet();
        AtomicLong bytes = new AtomicLong();
        AtomicLong newBytes = new AtomicLong();
        AtomicLong done = new AtomicLong();
        ExecutorService pool = WorkerPool.create("tinyvol-ingest", threads);
        AtomicBoolean failed = new AtomicBoolean();
        try {
            List<Future<?>> futures = new ArrayList<>(scan.files.size());
            for (Map.Entry<String, Stat> f : scan.files.entrySet()) {
                futures.add(pool.submit(() -> {
                    if (failed.get()) {
                        return; // one file failed: the ingest fails, the rest need not be read
                    }
                    try {
                        ingestFile(source, f.getKey(), f.getValue(), format, files, newDigests, bytes, newBytes, warnings);
                    } catch (RuntimeException e) {
                        failed.set(true);
                        throw e;
                    }
                    progress.update("hashing", done.incrementAndGet(), scan.files.size());
                }));
            }
            WorkerPool.awaitAll(futures);
        } finally {
            pool.shutdownNow();
        }
        if (!newDigests.isEmpty()) {
            // One syncfs for every blob and directory entry written, before the ref names them (ostree's
            // way): an fsync per blob made ingest 2,500 files/s on a fresh ext4.
            cas.syncFilesystem();
        }

        TreeMap<String, ManifestEntry> entries = new TreeMap<>(scan.others);
        entries.putAll(files);
        copy.mark(entries);
        Manifest manifest;
        try {
            manifest = new Manifest(format, ref, entries);
        } catch (ManifestException e) {
            throw TinyVolException.of(e);
        }
        store.save(ref, manifest);
        long newBlobs = newDigests.size();
        List<String> shown = warnings.size() <= MAX_LISTED_WARNINGS ? new ArrayList<>(warnings)
                : new ArrayList<>(warnings.subList(0, MAX_LISTED_WARNINGS));
        if (warnings.size() > MAX_LISTED_WARNINGS) {
            shown.add("… and " + (warnings.size() - MAX_LISTED_WARNINGS) + " more warnings");
        }
        return new IngestReport(ref, ManifestIdentity.of(manifest), format, files.size(), scan.dirs, scan.symlinks,
                newBlobs, bytes.get(), newBytes.get(), scan.skipped, (System.nanoTime() - start) / 1_000_000, shown);
    }

    /** Hashes one file and stores its instance if the CAS lacks it (or holds a damaged one). */
    private void ingestFile(Path source, String rel, Stat stat, int format, Map<String, FileEntry> files,
                            Set<String> newDigests, AtomicLong bytes, AtomicLong newBytes, List<String> warnings) {
        Path file = source.resolve(rel);
        // A live tree: the file may vanish, or be rewritten between its hash and its copy. Read it again
        // once; a file that keeps changing is left out (or, strict, fails the ingest), never stored wrong.
        for (int attempt = 1; ; attempt++) {
            try {
                ingestOnce(file, rel, stat, format, files, newDigests, bytes, newBytes, warnings);
                return;
            } catch (java.nio.file.NoSuchFileException gone) {
                vanished(rel, warnings);
                return;
            } catch (TinyVolException e) {
                // Its content no longer hashes as it did, or it was gone when copied (replaced since?).
                boolean changed = e.code() == ErrorCode.BLOB_CORRUPT && file.toString().equals(e.path())
                        || e.getCause() instanceof java.nio.file.NoSuchFileException gone && file.toString().equals(gone.getFile());
                if (!changed) {
                    throw e;
                }
                if (attempt == 2) {
                    if (strict) {
                        throw new TinyVolException(ErrorCode.SOURCE_CHANGED, rel, rel + " changed while it was read, twice; "
                                + "ingest a tree nothing changes, or leave out --strict to skip it with a warning");
                    }
                    warnings.add(rel + ": changed while it was read; left out");
                    return;
                }
            }
        }
    }

    /** Hashes one file and stores its instance if the CAS lacks it (or holds a damaged one). */
    private void ingestOnce(Path file, String rel, Stat stat, int format, Map<String, FileEntry> files,
                            Set<String> newDigests, AtomicLong bytes, AtomicLong newBytes, List<String> warnings)
            throws java.nio.file.NoSuchFileException {
        String digest;
        try {
            digest = Sha256.of(file);
        } catch (java.nio.file.NoSuchFileException gone) {
            throw gone;
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "reading " + file);
        }
        BlobKey key = format == 1 ? BlobKey.bare(digest) : new BlobKey(digest, stat.permissions(), stat.uid(), stat.gid());
        Cas.InstanceState state = cas.inspect(key, stat.size());
        boolean stored = false;
        if (state == Cas.InstanceState.DAMAGED) {
            stored = cas.replace(key, file); // false: another thread repaired it first
            if (stored) {
                warnings.add("blob " + key + " had been changed through a link; replaced with the content of " + rel);
            }
        } else if (state == Cas.InstanceState.MISSING) {
            stored = cas.storeUnsynced(key, file); // false: another thread stored the same instance first
        }
        if (stored) {
            newDigests.add(digest);
            newBytes.addAndGet(stat.size());
        }
        bytes.addAndGet(stat.size());
        files.put(rel, new FileEntry(key.digest(), key.mode(), key.uid(), key.gid()));
    }

    /** What a walk of the source tree found; regular files are hashed afterwards. */
    private static final class Scan {
        final TreeMap<String, Stat> files = new TreeMap<>();
        final TreeMap<String, ManifestEntry> others = new TreeMap<>();
        long dirs;
        long symlinks;
        long skipped;
        long vanished;
    }

    /** Walks the tree without following symlinks, depth first, with an explicit stack. */
    private Scan scan(Path source, int format, List<String> warnings, Progress progress) {
        Scan scan = new Scan();
        Deque<String> pending = new ArrayDeque<>();
        pending.push("");
        long seen = 0;
        while (!pending.isEmpty()) {
            String dir = pending.pop();
            Path dirPath = dir.isEmpty() ? source : source.resolve(dir);
            boolean empty = true;
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dirPath)) {
                for (Path child : children) {
                    empty = false;
                    String name = child.getFileName().toString();
                    String rel = dir.isEmpty() ? name : dir + "/" + name;
                    Stat stat;
                    try {
                        stat = PosixFiles.lstat(child);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        scan.vanished++;
                        vanished(rel, warnings);
                        continue;
                    }
                    progress.update("scanning", ++seen, -1);
                    if (stat.isRegularFile()) {
                        scan.files.put(rel, stat);
                    } else if (stat.isDirectory()) {
                        scan.dirs++;
                        pending.push(rel);
                        if (format == 2 && (stat.permissions() != DirEntry.DEFAULT_MODE || stat.uid() != 0 || stat.gid() != 0)) {
                            scan.others.put(rel, new DirEntry(stat.permissions(), stat.uid(), stat.gid()));
                        }
                    } else if (stat.isSymlink()) {
                        if (format == 1) {
                            warnings.add("skipped symlink " + rel + ": a v1 manifest holds regular files only");
                            scan.skipped++;
                        } else {
                            String target;
                            try {
                                target = Files.readSymbolicLink(child).toString();
                            } catch (java.nio.file.NoSuchFileException gone) {
                                scan.vanished++;
                                vanished(rel, warnings);
                                continue;
                            }
                            scan.symlinks++;
                            scan.others.put(rel, new SymlinkEntry(target, stat.uid(), stat.gid()));
                        }
                    } else {
                        scan.skipped++;
                        warnings.add("skipped " + describe(stat) + " " + rel + ": only files, directories and symlinks are stored");
                    }
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                if (dir.isEmpty()) {
                    throw new TinyVolException(ErrorCode.INVALID_PATH, source.toString(), source + " was removed while it was read");
                }
                scan.vanished++;
                scan.dirs--; // counted when listed; nothing of it is kept
                scan.others.remove(dir);
                vanished(dir, warnings);
                continue;
            } catch (IOException e) {
                throw IoErrors.classify(e, dir, "reading directory " + dirPath);
            }
            if (empty && !dir.isEmpty() && format == 2) {
                scan.others.putIfAbsent(dir, DirEntry.DEFAULT);
            }
        }
        return scan;
    }

    private static String describe(Stat stat) {
        return switch (stat.mode() & 0170000) {
            case 0010000 -> "fifo";
            case 0020000 -> "character device";
            case 0060000 -> "block device";
            case 0140000 -> "socket";
            default -> "special file";
        };
    }
}
