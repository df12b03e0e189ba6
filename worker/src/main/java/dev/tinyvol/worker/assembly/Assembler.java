package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.PosixFiles.Stat;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

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

    public Assembler(Cas cas, VolumeStore volumes, ExecutorService pool, int threads) {
        this.cas = cas;
        this.volumes = volumes;
        this.pool = pool;
        this.threads = threads;
    }

    /**
     * @param source where the manifest came from, kept in the volume's record ({@code ref:NAME},
     *               {@code file:PATH} or {@code inline})
     */
    public AssemblyReport assemble(String volume, Manifest manifest, String source, AssemblyOptions options,
                                   Progress progress, Runnable onLockWait) {
        long start = System.nanoTime();
        String manifestId = ManifestCodec.identity(manifest);
        try (VolumeLocks.Held lock = volumes.lock(volume, onLockWait)) {
            Path target = volumes.volumePath(volume);
            Stat existing = lstatOrNull(target);
            if (existing != null) {
                Optional<VolumeRecord> record = volumes.record(volume);
                if (existing.isDirectory() && record.isPresent() && record.get().manifestId().equals(manifestId)) {
                    VolumeRecord r = record.get();
                    return new AssemblyReport(volume, AssemblyReport.Outcome.UNCHANGED, target.toString(), manifestId,
                            0, 0, 0, 0, r.bytes(), elapsedMs(start), List.of());
                }
                if (!options.replace()) {
                    String builtFrom = record.map(r -> "manifest " + describe(r)).orElse("an unrecorded manifest");
                    throw new TinyVolException(ErrorCode.VOLUME_EXISTS, volume, "volume " + volume + " exists, built from "
                            + builtFrom + "; tear it down first or assemble with replace to rebuild it");
                }
                Removal.requireNothingMounted(target, volume);
            }
            long t0 = System.nanoTime();
            Map<BlobKey, Long> instances = resolveInstances(manifest, progress);
            long t1 = System.nanoTime();
            Path staging = volumes.newStagingDir(volume);
            Path trash = null;
            TreeBuild build;
            try {
                build = new TreeBuild(cas, pool, threads, manifest, staging, instances, options.copyFallback(), progress);
                build.run();
                long t2 = System.nanoTime();
                if (existing != null) {
                    trash = volumes.trashPathFor(volume);
                    move(target, trash);
                }
                volumes.keepManifest(manifestId, manifest);
                volumes.writeRecord(new VolumeRecord(volume, manifestId, manifest.name(), source, build.filesLinked() + build.filesCopied(),
                        build.symlinks(), build.dirsCreated(), build.bytes(), Instant.now(), build.copiedPaths()));
                move(staging, target);
                volumes.fsyncRoot();
                LOG.debug("assembled {}: identity+lock {} ms, blobs {} ms, tree {} ms, record+rename {} ms", volume,
                        (t0 - start) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
            } catch (RuntimeException e) {
                removeQuietly(staging, e);
                throw e;
            }
            if (trash != null) {
                new TreeDeleter(pool).delete(trash);
            }
            return new AssemblyReport(volume, existing == null ? AssemblyReport.Outcome.BUILT : AssemblyReport.Outcome.REPLACED,
                    target.toString(), manifestId, build.filesLinked(), build.filesCopied(), build.symlinks(),
                    build.dirsCreated(), build.bytes(), elapsedMs(start), build.warnings());
        }
    }

    /**
     * Every distinct blob instance the manifest needs, made where missing and checked for damage.
     * Each instance is looked at once however many entries share it.
     */
    private Map<BlobKey, Long> resolveInstances(Manifest manifest, Progress progress) {
        Map<BlobKey, String> firstUse = new HashMap<>();
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            if (e.getValue() instanceof FileEntry f) {
                firstUse.putIfAbsent(BlobKey.of(f), e.getKey());
            }
        }
        List<BlobKey> keys = new ArrayList<>(firstUse.keySet());
        Map<BlobKey, Long> resolved = new java.util.concurrent.ConcurrentHashMap<>();
        List<Future<?>> tasks = new ArrayList<>();
        int chunk = Math.max(256, keys.size() / (threads * 4) + 1);
        for (int from = 0; from < keys.size(); from += chunk) {
            List<BlobKey> slice = keys.subList(from, Math.min(keys.size(), from + chunk));
            tasks.add(pool.submit(() -> {
                for (BlobKey key : slice) {
                    try {
                        resolved.put(key, cas.ensureInstance(key));
                    } catch (TinyVolException e) {
                        throw new TinyVolException(e.code(), firstUse.get(key),
                                e.getMessage() + " (needed by " + firstUse.get(key) + ")", e);
                    }
                }
                progress.update("checking blobs", resolved.size(), keys.size());
            }));
        }
        TreeDeleter.awaitAll(tasks);
        return resolved;
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

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
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

    /** The directories a manifest needs: every ancestor of an entry, and every directory entry. */
    static TreeSet<String> directoriesOf(Manifest manifest) {
        TreeSet<String> dirs = new TreeSet<>();
        String previous = "";
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            String path = e.getKey();
            if (e.getValue() instanceof DirEntry) {
                dirs.add(path);
            }
            int slash = path.lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String parent = path.substring(0, slash);
            if (parent.equals(previous)) {
                continue; // siblings share ancestors: skip the walk up
            }
            previous = parent;
            for (int i = parent.indexOf('/'); i >= 0; i = parent.indexOf('/', i + 1)) {
                dirs.add(parent.substring(0, i));
            }
            dirs.add(parent);
        }
        return dirs;
    }
}
