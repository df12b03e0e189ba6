package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One build of a manifest into an empty staging directory, in three steps the assembler calls in
 * order: directories (parents before children), then files and symlinks in contiguous slices of the
 * sorted entries on several threads (so threads mostly work in different directories and do not
 * contend for one directory's lock), then the modes and owners of directory entries, deepest first.
 *
 * <p>Everything is made relative to two open descriptors, the staging root and the CAS's objects
 * directory ({@code mkdirat}, {@code linkat}, {@code symlinkat}, {@code fchownat}): no absolute path
 * is resolved per entry, and nothing is resolved through the volumes directory's path again.
 * Staging is private (a fresh directory no workload has seen) and the manifest never places an
 * entry below one of its own symlinks (ManifestRules), so relative paths below the root are safe.
 */
final class TreeBuild implements AutoCloseable {


    /** Per-file fallback warnings listed before they are summarised. */
    private static final int MAX_LISTED_WARNINGS = 100;
    private static final int SLICE = 512;

    private final Cas cas;
    private final ExecutorService pool;
    private final int threads;
    private final Manifest manifest;
    private final Path staging;
    private Map<FileEntry, Instance> instances = Map.of();
    private final boolean copyFallback;
    private final ImportMethod method;
    private final Progress progress;

    private final AtomicBoolean crossDevice = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final AtomicLong filesLinked = new AtomicLong();
    private final AtomicLong filesCopied = new AtomicLong();
    private final AtomicLong filesCloned = new AtomicLong();
    private final AtomicLong symlinks = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final ConcurrentLinkedQueue<String> copied = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> linkLimitWarnings = new ConcurrentLinkedQueue<>();
    private final AtomicLong dirsCreated = new AtomicLong();

    private final DirFd root;
    private final DirFd objects;

    /**
     * @param objects the CAS's objects directory, open for the assembly (the assembler closes it)
     * @param method  CLONE, HARDLINK or COPY (AUTO resolved by the assembler)
     */
    TreeBuild(Cas cas, DirFd objects, ExecutorService pool, int threads, Manifest manifest, Path staging,
              boolean copyFallback, ImportMethod method, Progress progress) {
        if (method == ImportMethod.AUTO) {
            throw new IllegalArgumentException("AUTO is resolved before a build");
        }
        this.method = method;
        this.cas = cas;
        this.pool = pool;
        this.threads = threads;
        this.manifest = manifest;
        this.staging = staging;
        this.copyFallback = copyFallback;
        this.progress = progress;
        this.objects = objects;
        try {
            this.root = DirFd.open(staging);
        } catch (IOException e) {
            throw IoErrors.classify(e, staging.toString(), "opening the staging directory");
        }
    }

    @Override
    public void close() {
        root.close();
    }

    /**
     * Level by level, each level in parallel slices: a directory exists before its children, and
     * mkdir, which costs far more than link on a busy filesystem, runs on every thread.
     */
    void createDirectories() {
        NavigableSet<String> dirs = Assembler.directoriesOf(manifest);
        List<List<String>> levels = new ArrayList<>();
        for (String dir : dirs) {
            int depth = (int) dir.chars().filter(c -> c == '/').count();
            while (levels.size() <= depth) {
                levels.add(new ArrayList<>());
            }
            levels.get(depth).add(dir);
        }
        if (dirs.isEmpty()) {
            return;
        }
        // The first directory alone shows what mode the umask gives new ones; if not 0755, set each.
        String first = levels.get(0).remove(0);
        mkdir(first, false);
        boolean chmodEach;
        try {
            chmodEach = root.stat(first).permissions() != DirEntry.DEFAULT_MODE;
        } catch (IOException e) {
            throw IoErrors.classify(e, first, "reading directory " + first);
        }
        if (chmodEach) {
            mkdirFix(first);
        }
        for (List<String> level : levels) {
            int slice = Math.max(16, level.size() / (threads * 4) + 1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int from = 0; from < level.size(); from += slice) {
                List<String> part = level.subList(from, Math.min(level.size(), from + slice));
                tasks.add(pool.submit(() -> part.forEach(dir -> mkdir(dir, chmodEach))));
            }
            WorkerPool.awaitAll(tasks);
        }
        progress.update("directories", dirsCreated.get(), dirs.size());
    }

    private void mkdir(String dir, boolean chmod) {
        try {
            root.mkdir(dir, DirEntry.DEFAULT_MODE);
        } catch (IOException e) {
            throw IoErrors.classify(e, dir, "creating directory " + dir);
        }
        if (chmod) {
            mkdirFix(dir);
        }
        dirsCreated.incrementAndGet();
    }

    private void mkdirFix(String dir) {
        try {
            root.chmod(dir, DirEntry.DEFAULT_MODE);
        } catch (IOException e) {
            throw IoErrors.classify(e, dir, "setting the mode of " + dir);
        }
    }

    void placeEntries(Map<FileEntry, Instance> instanceSizes) {
        this.instances = instanceSizes;
        List<Map.Entry<String, ManifestEntry>> leaves = new ArrayList<>();
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            if (!(e.getValue() instanceof DirEntry)) {
                leaves.add(e);
            }
        }
        int slice = Math.max(64, Math.min(SLICE, leaves.size() / (threads * 8) + 1));
        List<Future<?>> tasks = new ArrayList<>();
        for (int from = 0; from < leaves.size(); from += slice) {
            List<Map.Entry<String, ManifestEntry>> part = leaves.subList(from, Math.min(leaves.size(), from + slice));
            tasks.add(pool.submit(() -> place(part, leaves.size())));
        }
        WorkerPool.awaitAll(tasks);
    }

    private void place(List<Map.Entry<String, ManifestEntry>> part, long total) {
        if (failed.get()) {
            return;
        }
        try {
            for (Map.Entry<String, ManifestEntry> e : part) {
                if (e.getValue() instanceof FileEntry f) {
                    placeFile(e.getKey(), f);
                } else if (e.getValue() instanceof SymlinkEntry s) {
                    placeSymlink(e.getKey(), s);
                }
            }
            progress.update("linking", done.addAndGet(part.size()), total);
        } catch (RuntimeException e) {
            failed.set(true);
            throw e;
        }
    }

    private void placeFile(String rel, FileEntry entry) {
        Instance instance = instances.get(entry);
        BlobKey key = instance.key();
        bytes.addAndGet(instance.size());
        if (entry.copy()) {
            // A file the workload rewrites in place: its own bytes, whatever the import method.
            copy(rel, key, cas.instancePath(key), staging.resolve(rel), false);
            return;
        }
        if (method == ImportMethod.CLONE) {
            clone(rel, key, instance);
            return;
        }
        if (method == ImportMethod.COPY) {
            copy(rel, key, cas.instancePath(key), staging.resolve(rel), false);
            return;
        }
        if (!crossDevice.get()) {
            try {
                root.link(objects, instance.name(), rel.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                filesLinked.incrementAndGet();
                return;
            } catch (FileSystemException e) {
                if (IoErrors.isCrossDevice(e)) {
                    crossDevice.set(true);
                } else if (IoErrors.isTooManyLinks(e)) {
                    if (!copyFallback) {
                        throw new TinyVolException(ErrorCode.LINK_LIMIT, rel, "cannot link " + rel + ": blob " + key
                                + " has as many links as its filesystem allows (EMLINK), and copy fallback is off");
                    }
                    linkLimitWarnings.add(rel + ": blob " + key + " is at its filesystem's link limit (EMLINK); copied");
                } else {
                    throw IoErrors.classify(e, rel, "linking " + rel);
                }
            } catch (IOException e) {
                throw IoErrors.classify(e, rel, "linking " + rel);
            }
        }
        if (crossDevice.get() && !copyFallback) {
            throw new TinyVolException(ErrorCode.CROSS_DEVICE, rel, "cannot link " + rel + ": the CAS (" + cas.root()
                    + ") and the volumes directory are on different filesystems (EXDEV), and copy fallback is off");
        }
        copy(rel, key, cas.instancePath(key), staging.resolve(rel), true);
    }

    /**
     * A copy-on-write clone of the blob: the volume's own inode, sharing the blob's extents until
     * either is written. The clone gets the instance's owner, mode and fixed mtime, as a link would.
     * (The assembler chose CLONE only after a probe clone between these two filesystems worked.)
     */
    private void clone(String rel, BlobKey key, Instance instance) {
        byte[] name = rel.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            root.cloneFrom(objects, instance.name(), name, key.attributes());
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "cloning " + rel + " from blob " + key);
        }
        filesCloned.incrementAndGet();
    }

    /**
     * A private copy with the instance's mode, owner and fixed mtime, so verify can check it.
     *
     * @param fallback a copy where a link was impossible (listed in the volume's record), not the copy method
     */
    private void copy(String rel, BlobKey key, Path blob, Path path, boolean fallback) {
        try {
            Files.copy(blob, path);
            key.attributes().applyToNew(path);
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "copying " + rel);
        }
        filesCopied.incrementAndGet();
        if (fallback) {
            copied.add(rel);
        }
    }

    private void placeSymlink(String rel, SymlinkEntry entry) {
        try {
            root.symlink(Path.of(entry.target()).toString(), rel);
            if (entry.uid() != 0 || entry.gid() != 0) {
                root.chown(rel, entry.uid(), entry.gid());
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, rel, "creating symlink " + rel);
        }
        symlinks.incrementAndGet();
    }

    void applyDirectoryAttributes() {
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().descendingMap().entrySet()) {
            if (e.getValue() instanceof DirEntry d && !d.equals(DirEntry.DEFAULT)) {
                String rel = e.getKey();
                try {
                    if (d.uid() != 0 || d.gid() != 0) {
                        root.chown(rel, d.uid(), d.gid());
                    }
                    root.chmod(rel, d.mode()); // after chown, which clears setuid/setgid
                } catch (IOException ex) {
                    throw IoErrors.classify(ex, e.getKey(), "setting mode and owner of " + e.getKey());
                }
            }
        }
    }

    long filesLinked() {
        return filesLinked.get();
    }

    long filesCopied() {
        return filesCopied.get();
    }

    long filesCloned() {
        return filesCloned.get();
    }

    ImportMethod method() {
        return method;
    }

    long symlinks() {
        return symlinks.get();
    }

    long dirsCreated() {
        return dirsCreated.get();
    }

    long bytes() {
        return bytes.get();
    }

    List<String> copiedPaths() {
        List<String> paths = new ArrayList<>(copied);
        Collections.sort(paths);
        return paths;
    }

    /** Every copy is reported: cross-device copies once in sum, link-limit copies one by one. */
    List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        if (crossDevice.get()) {
            warnings.add("the CAS (" + cas.root() + ") and the volumes directory are on different filesystems (EXDEV): "
                    + (filesCopied.get() - linkLimitWarnings.size()) + " files were copied, not linked; "
                    + "put both on one filesystem to share blobs");
        }
        List<String> limits = new ArrayList<>(linkLimitWarnings);
        Collections.sort(limits);
        warnings.addAll(limits.subList(0, Math.min(MAX_LISTED_WARNINGS, limits.size())));
        if (limits.size() > MAX_LISTED_WARNINGS) {
            warnings.add("… and " + (limits.size() - MAX_LISTED_WARNINGS) + " more files copied at the link limit (EMLINK)");
        }
        return warnings;
    }
}
