package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestIdentity;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a volume from a manifest: resolves every blob instance first (so a missing or damaged blob
 * fails before anything is built), builds the tree in a staging directory beside the target with
 * files hard-linked from the CAS on several threads, then renames it into place. After a failure no
 * partial tree and no staging directory remain.
 */
public final class Assembler {

    private static final Logger LOG = LoggerFactory.getLogger(Assembler.class);

    private final Cas cas;
    private final VolumeStore volumes;
    private final ExecutorService pool;
    private final int threads;
    private final ExecutorService checker;
    private final CloneSupport clones;

    /**
     * @param pool    threads that make directories and links
     * @param checker threads that check blobs while the pool makes directories
     */
    public Assembler(Cas cas, VolumeStore volumes, ExecutorService pool, int threads, ExecutorService checker) {
        this.cas = cas;
        this.volumes = volumes;
        this.pool = pool;
        this.threads = threads;
        this.checker = checker;
        this.clones = new CloneSupport(cas);
    }

    /**
     * @param source where the manifest came from, kept in the volume's record ({@code ref:NAME},
     *               {@code file:PATH} or {@code inline})
     */
    public AssemblyReport assemble(String volume, Manifest manifest, String source, AssemblyOptions options,
                                   Progress progress, Runnable onLockWait) {
        long start = System.nanoTime();
        try (VolumeLocks.Held lock = volumes.lock(volume, onLockWait)) {
            Path target = volumes.volumePath(volume);
            Stat existing = lstatOrNull(target);
            String knownId = null;
            boolean ownMount = false;
            if (existing != null) {
                knownId = ManifestIdentity.of(manifest);
                Optional<VolumeRecord> record = volumes.record(volume);
                if (existing.isDirectory() && record.isPresent() && record.get().manifestId().equals(knownId)) {
                    // Built from this manifest: UNCHANGED only if it is still whole (a stat per path).
                    VerifyReport whole = new Verifier(cas, volumes, pool).verifyHeld(volume, manifest, false);
                    if (whole.clean()) {
                        VolumeRecord r = record.get();
                        return new AssemblyReport(volume, AssemblyReport.Outcome.UNCHANGED, target.toString(), knownId,
                                0, 0, 0, 0, r.bytes(), elapsedMs(start), List.of(),
                                r.importMethod() == null ? ImportMethod.HARDLINK : ImportMethod.parse(r.importMethod()), 0,
                                r.protection());
                    }
                    if (!options.replace()) {
                        throw new TinyVolException(ErrorCode.VOLUME_DAMAGED, volume, "volume " + volume + " was built from "
                                + "this manifest but is no longer whole (" + whole.mismatched() + " mismatched, "
                                + whole.missing() + " missing, " + whole.extra() + " extra"
                                + whole.problems().stream().findFirst().map(p -> "; e.g. " + p.kind() + " " + p.path()
                                        + ": " + p.detail()).orElse("") + "); assemble with --replace (options.replace) "
                                + "to rebuild it, or see 'tinyvol verify'");
                    }
                }
                if (!options.replace()) {
                    String builtFrom = record.map(r -> "manifest " + describe(r)).orElse("an unrecorded manifest");
                    throw new TinyVolException(ErrorCode.VOLUME_EXISTS, volume, "volume " + volume + " exists, built from "
                            + builtFrom + "; tear it down first or assemble with replace to rebuild it");
                }
                ownMount = record.map(VolumeRecord::readOnly).orElse(false);
                ReadOnlyMounts.requireOnlyOwn(target, volume, ownMount); // its own read-only mount comes off at the swap
            }
            // Blob checks (a stat per distinct blob) and the manifest's identity run on the checker
            // thread while directories are made: mkdir leaves the CPUs idle on a busy filesystem.
            // From the blob checks to the volume's record written (its manifest kept, so a gc sees it), no
            // gc may remove a blob this assembly links.
            try (dev.tinyvol.worker.cas.StoreLock.Held linking = cas.lock().shared(); DirFd objects = openObjects()) {
                return build(volume, manifest, source, options, progress, start, target, existing, ownMount, knownId, objects);
            }
        }
    }

    private DirFd openObjects() {
        try {
            return DirFd.open(cas.objectsDir());
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "opening the CAS");
        }
    }

    /** Builds into staging and renames into place; the caller holds the volume's lock. */
    private AssemblyReport build(String volume, Manifest manifest, String source, AssemblyOptions options,
                                 Progress progress, long start, Path target, Stat existing, boolean ownMount,
                                 String knownId, DirFd objects) {
        // Staging first: if it cannot be made, no blob checks are left running for nothing.
        Path staging = volumes.newStagingDir(volume);
        Checks checks = startChecks(manifest, knownId, objects);
        Path trash = null;
        TreeBuild build = null;
        Checked checked;
        try {
            ImportMethod method = clones.resolve(options.importMethod(), objects, staging);
            build = new TreeBuild(cas, objects, pool, threads, manifest, staging, options.copyFallback(), method, progress);
            long t0 = System.nanoTime();
            build.createDirectories();
            long t1 = System.nanoTime();
            checked = checks.await();
            long t2 = System.nanoTime();
            build.placeEntries(checked.sizes());
            build.applyDirectoryAttributes();
            long t3 = System.nanoTime();
            volumes.keepManifest(checked.manifestId(), manifest);
            VolumeRecord record = new VolumeRecord(volume, checked.manifestId(), manifest.name(), source,
                    build.filesLinked() + build.filesCopied() + build.filesCloned(), build.symlinks(), build.dirsCreated(),
                    build.bytes(), Instant.now(), build.copiedPaths(), build.method().text(), build.filesLinked(),
                    options.readOnly());
            volumes.writeRecord(record);
            if (existing != null) {
                ReadOnlyMounts.release(target, volume, ownMount); // a mount point cannot be swapped; the new tree gets its own
                // One atomic swap: a reader of the volume's path sees the old tree or the new one, never
                // nothing. The old tree is then where staging was, and is removed from there.
                rename(staging, target, DirFd.RenameMode.EXCHANGE);
                trash = staging;
            } else {
                // Something that appeared at the path meanwhile is never replaced unseen.
                rename(staging, target, DirFd.RenameMode.NO_REPLACE);
            }
            volumes.fsyncRoot();
            if (options.readOnly()) {
                try {
                    ReadOnlyMounts.mount(target, volume); // one mount, not a walk of the tree
                } catch (TinyVolException e) {
                    volumes.writeRecord(record.withReadOnly(false)); // say what it is: built, not protected
                    throw e;
                }
            }
            LOG.debug("assembled {}: lock+checks {} ms, dirs {} ms, waiting for blob checks {} ms, entries {} ms, record+rename {} ms",
                    volume, (t0 - start) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                    (System.nanoTime() - t3) / 1_000_000);
        } catch (RuntimeException e) {
            checks.abandon(); // never leave the checker working for a failed build
            if (build != null) {
                build.close();
            }
            removeQuietly(staging, e);
            throw e;
        }
        build.close();
        if (trash != null) {
            new TreeDeleter(pool).delete(trash);
        }
        return new AssemblyReport(volume, existing == null ? AssemblyReport.Outcome.BUILT : AssemblyReport.Outcome.REPLACED,
                target.toString(), checked.manifestId(), build.filesLinked(), build.filesCopied(), build.symlinks(),
                build.dirsCreated(), build.bytes(), elapsedMs(start), warnings(checked.remade(), build.warnings()),
                build.method(), build.filesCloned(),
                ImportMethod.protection(options.readOnly(), build.method(), build.filesLinked()));
    }

    /**
     * What the checker threads found: each instance's size, the manifest's identity, and a line per
     * tampered instance re-made before it was linked (sorted: the report is the same however threads ran).
     */
    private record Checked(Map<FileEntry, Instance> sizes, String manifestId, List<String> remade) {
    }

    /** Blob checks and the identity hash, running on the checker threads. */
    private final class Checks {
        private final Map<FileEntry, Instance> sizes;
        private final java.util.Queue<String> remade;
        private final List<Future<?>> slices;
        private final Future<String> identity;

        Checks(Map<FileEntry, Instance> sizes, java.util.Queue<String> remade, List<Future<?>> slices, Future<String> identity) {
            this.sizes = sizes;
            this.remade = remade;
            this.slices = slices;
            this.identity = identity;
        }

        Checked await() {
            WorkerPool.awaitAll(slices);
            try {
                return new Checked(sizes, identity.get(), remade.stream().sorted().toList());
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TinyVolException(ErrorCode.INTERRUPTED, null, "interrupted while checking blobs");
            }
        }

        void abandon() {
            slices.forEach(f -> f.cancel(false));
            identity.cancel(false);
            try {
                await();
            } catch (RuntimeException | Error ignored) {
                // Only waiting for the slices to stop; the build's own failure is what is reported.
            }
        }
    }

    /**
     * Starts checking every distinct blob instance the manifest needs (made where missing, checked
     * for damage) in slices on the checker threads, and hashing the manifest's identity unless it is
     * known. Each instance is looked at once however many entries share it.
     */
    private Checks startChecks(Manifest manifest, String knownId, DirFd objects) {
        List<Map.Entry<String, ManifestEntry>> entries = new ArrayList<>(manifest.entries().entrySet());
        Map<FileEntry, Instance> sizes = new ConcurrentHashMap<>(entries.size());
        java.util.Queue<String> remade = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Set<FileEntry> claimed = ConcurrentHashMap.newKeySet(entries.size());
        int slice = Math.max(1024, entries.size() / (threads * 2) + 1);
        List<Future<?>> slices = new ArrayList<>();
        for (int from = 0; from < entries.size(); from += slice) {
            List<Map.Entry<String, ManifestEntry>> part = entries.subList(from, Math.min(entries.size(), from + slice));
            slices.add(checker.submit(() -> {
                for (Map.Entry<String, ManifestEntry> e : part) {
                    // Entries with the same content, mode and owner are equal: each instance is checked once.
                    if (e.getValue() instanceof FileEntry f && claimed.add(f)) {
                        check(f, e.getKey(), sizes, objects, remade);
                    }
                }
            }));
        }
        Future<String> identity = knownId != null ? CompletableFuture.completedFuture(knownId)
                : checker.submit(() -> ManifestIdentity.of(manifest));
        return new Checks(sizes, remade, slices, identity);
    }

    private void check(FileEntry entry, String neededBy, Map<FileEntry, Instance> sizes, DirFd objects,
                       java.util.Queue<String> remade) {
        BlobKey key = BlobKey.of(entry);
        try {
            Cas.CheckedInstance checked = cas.checkInstance(key, objects);
            if (checked.remade() != null) {
                remade.add("blob " + Cas.instanceName(key) + " (needed by " + neededBy + ") had been changed through a "
                        + "link (" + checked.remade() + "): re-made from its content, which still matches its digest, "
                        + "and that linked; volumes that link the old inode keep it ('tinyvol verify' names them)");
            }
            sizes.put(entry, new Instance(key, checked.size(),
                    Cas.instanceName(key).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (TinyVolException problem) {
            throw new TinyVolException(problem.code(), neededBy, problem.getMessage() + " (needed by " + neededBy + ")", problem);
        }
    }

    /** Re-made instances first: what an operator must look into (a link was used to change the store). */
    private static List<String> warnings(List<String> remade, List<String> build) {
        List<String> all = new ArrayList<>(remade);
        all.addAll(build);
        return all;
    }

    private static Stat lstatOrNull(Path path) {
        try {
            return PosixFiles.lstat(path);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading " + path);
        }
    }

    private static void rename(Path from, Path to, DirFd.RenameMode mode) {
        try (DirFd fromDir = DirFd.open(from.getParent()); DirFd toDir = DirFd.open(to.getParent())) {
            fromDir.rename(from.getFileName().toString(), toDir, to.getFileName().toString(), mode);
        } catch (IOException e) {
            throw IoErrors.classify(e, to.toString(), "renaming " + from + " to " + to);
        }
    }


    private void removeQuietly(Path staging, RuntimeException cause) {
        try {
            new TreeDeleter(pool).delete(staging);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static String describe(VolumeRecord r) {
        String name = r.manifestName().isEmpty() ? "" : "'" + r.manifestName() + "' ";
        return name + "(" + r.manifestId().substring(0, 12) + ")";
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The directories a manifest needs, sorted: every ancestor of an entry, and every directory entry. */
    static TreeSet<String> directoriesOf(Manifest manifest) {
        TreeSet<String> dirs = new TreeSet<>(Manifest.directoriesOf(manifest.entries()));
        manifest.entries().forEach((path, entry) -> {
            if (entry instanceof DirEntry) {
                dirs.add(path);
            }
        });
        return dirs;
    }
}
