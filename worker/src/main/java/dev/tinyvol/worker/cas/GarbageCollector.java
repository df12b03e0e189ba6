package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Removes what nothing uses, under the CAS lock held exclusive (see {@link StoreLock}): while it
 * runs no ingest, pull tail or assembly of any process is between choosing a blob and naming it.
 * The lock is only ever tried ({@link StoreLock#tryExclusive}): when another process holds the store
 * for all of {@code lockWait}, the gc ends with {@link ErrorCode#STORE_BUSY} and nothing removed.
 *
 * <p>Live: every instance a ref names, and every instance a manifest kept for a volume names; for a
 * live content whose live instances are all missing, one other instance of it stays (assembly makes
 * the missing one from it). An instance with more than one link is live too, whatever the manifests
 * say (a volume links it). And an instance younger than {@code minAge} by its ctime (which moves
 * when it is made and with every new link) stays: a pull downloads without the lock and names its
 * blobs later, so what is fresh may be about to be named.
 *
 * <p>It streams over the store, one {@code objects/<2 hex>} directory at a time (a content's
 * instances all share one), against a compact live set of 64-bit fingerprints ({@link Fingerprints}):
 * memory grows with the live instances at 16 bytes each, not with the paths on disk.
 *
 * <p>Also removed: {@code tmp/} entries unchanged for longer than {@code minAge} (a fresh one belongs
 * to a writer at work: an ingest, a push, the readiness probe, a pull), the record of any pulled layer
 * that named a removed instance or a content no longer on disk (a later pull downloads it again rather
 * than trusting it), and image records of removed refs. A layer record it cannot read is kept and named
 * in a warning: it protects no blob, pulls already ignore it, and the next pull of its layer rewrites it.
 */
public final class GarbageCollector {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GarbageCollector.class);

    /** The age under which an instance or tmp/ entry is kept (setting cas.gc.min.age). */
    public static final Duration DEFAULT_MIN_AGE = Duration.ofMinutes(15);
    /** How long a gc keeps trying for the lock while another process holds the store (cas.gc.lock.wait). */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(30);

    /** What a gc removed (or, dry, would remove); warnings name what it could not read. */
    public record Report(boolean dryRun, long liveInstances, long blobsRemoved, long instancesRemoved, long bytesReclaimed,
                         long tmpRemoved, long layerRecordsRemoved, long durationMs, long youngKept, List<String> warnings) {
    }

    /** One reader for every pull record gc reads. */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Cas cas;
    private final Supplier<List<Manifest>> volumeManifests;
    private final Duration minAge;
    private final Duration lockWait;

    /** With the default grace ({@link #DEFAULT_MIN_AGE}) and lock wait ({@link #DEFAULT_LOCK_WAIT}). */
    public GarbageCollector(Cas cas, Supplier<List<Manifest>> volumeManifests) {
        this(cas, volumeManifests, DEFAULT_MIN_AGE, DEFAULT_LOCK_WAIT);
    }

    /**
     * @param volumeManifests the manifests the volumes using this CAS were built from; asked under the
     *                        exclusive lock (the volumes side may prune stale ones then, safely)
     * @param minAge          instances and tmp/ entries younger than this are kept
     * @param lockWait        how long to keep trying for the lock before STORE_BUSY
     */
    public GarbageCollector(Cas cas, Supplier<List<Manifest>> volumeManifests, Duration minAge, Duration lockWait) {
        this.cas = cas;
        this.volumeManifests = volumeManifests;
        this.minAge = minAge;
        this.lockWait = lockWait;
    }

    /** @throws TinyVolException STORE_BUSY when another process held the store for all of the lock wait */
    public Report collect(boolean dryRun) {
        long start = System.nanoTime();
        StoreLock.Held exclusive = cas.lock().tryExclusive(lockWait).orElseThrow(() -> new TinyVolException(
                ErrorCode.STORE_BUSY, cas.root().toString(), "the CAS at " + cas.root() + " stayed in use for "
                + lockWait.toMillis() + " ms (by another process such as a 'tinyvol cas fsck' or 'cas pull', or a pull "
                + "or ingest of this one); nothing was removed: try the gc again later"));
        try (exclusive) {
            Instant youngAfter = Instant.now().minus(minAge);
            Fingerprints live = new Fingerprints();
            Fingerprints liveContents = new Fingerprints();
            markLive(live, liveContents);
            Sweep sweep = new Sweep(dryRun, youngAfter, live, liveContents);
            for (Path shard : shards()) {
                sweep.shard(shard);
            }
            List<String> warnings = new ArrayList<>();
            long layers = 0;
            long tmp = 0;
            if (!dryRun) {
                layers = dropLayerRecords(sweep.removed, warnings);
                tmp = clearStaleTmp(youngAfter, warnings);
                dropImageRecords();
            }
            return new Report(dryRun, live.size(), sweep.blobs, sweep.instances, sweep.bytes, tmp, layers,
                    (System.nanoTime() - start) / 1_000_000, sweep.young, List.copyOf(warnings));
        }
    }

    /** Fingerprints of every instance (and content) a ref or a kept manifest names, one manifest at a time. */
    private void markLive(Fingerprints live, Fingerprints liveContents) {
        ManifestStore refs = new ManifestStore(cas);
        for (String ref : refs.refs()) {
            try {
                addAll(live, liveContents, refs.load(ref));
            } catch (TinyVolException e) {
                if (e.code() != ErrorCode.MANIFEST_NOT_FOUND) {
                    throw e;
                }
                // Removed since it was listed ('refs rm' takes no lock: it only makes less live).
            }
        }
        volumeManifests.get().forEach(m -> addAll(live, liveContents, m));
    }

    private static void addAll(Fingerprints live, Fingerprints liveContents, Manifest manifest) {
        manifest.entries().values().forEach(e -> {
            if (e instanceof FileEntry f) {
                BlobKey key = BlobKey.of(f);
                live.add(Fingerprints.ofInstance(key));
                liveContents.add(Fingerprints.ofContent(key.digest()));
            }
        });
    }

    private List<Path> shards() {
        try (Stream<Path> dirs = Files.list(cas.objectsDir())) {
            return dirs.sorted().toList(); // at most 256
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "listing the CAS");
        }
    }

    /** The sweep's running totals, and the fingerprints of what it removed (for the layer records). */
    private static final class Sweep {
        final boolean dryRun;
        final Instant youngAfter;
        final Fingerprints live;
        final Fingerprints liveContents;
        final Fingerprints removed = new Fingerprints();
        long blobs;
        long instances;
        long bytes;
        long young;

        Sweep(boolean dryRun, Instant youngAfter, Fingerprints live, Fingerprints liveContents) {
            this.dryRun = dryRun;
            this.youngAfter = youngAfter;
            this.live = live;
            this.liveContents = liveContents;
        }

        /** One objects/ directory: its names sorted, so a content's instances come together (bare first). */
        void shard(Path shard) {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(shard)) {
                entries.forEach(p -> names.add(p.getFileName().toString()));
            } catch (NoSuchFileException | java.nio.file.NotDirectoryException gone) {
                return;
            } catch (IOException e) {
                throw IoErrors.classify(e, shard.toString(), "listing the CAS");
            }
            names.sort(null);
            List<BlobKey> content = new ArrayList<>();
            for (String name : names) {
                BlobKey key = InstanceNames.parse(name);
                if (key == null) {
                    continue; // not an instance: fsck names it; gc leaves it alone
                }
                if (!content.isEmpty() && !content.get(0).digest().equals(key.digest())) {
                    content(shard, content);
                    content.clear();
                }
                content.add(key);
            }
            if (!content.isEmpty()) {
                content(shard, content);
            }
        }

        private void content(Path shard, List<BlobKey> keys) {
            boolean liveContent = liveContents.contains(Fingerprints.ofContent(keys.get(0).digest()));
            List<BlobKey> candidates = new ArrayList<>(keys);
            if (liveContent) {
                candidates.removeIf(k -> live.contains(Fingerprints.ofInstance(k)));
                if (candidates.size() == keys.size()) {
                    candidates.remove(0); // the only source left for a live content
                }
            }
            int gone = 0;
            for (BlobKey key : candidates) {
                Path path = shard.resolve(key.fileName());
                Stat stat;
                try {
                    stat = PosixFiles.lstat(path);
                } catch (IOException e) {
                    continue; // gone already, or cannot tell: keep
                }
                if (!stat.isRegularFile() || stat.links() > 1) {
                    continue; // a volume links it
                }
                if (stat.changed().toInstant().isAfter(youngAfter)) {
                    young++; // made or linked a moment ago: a pull may be about to name it
                    continue;
                }
                instances++;
                bytes += stat.size();
                gone++;
                if (!dryRun) {
                    removed.add(Fingerprints.ofInstance(key)); // for the layer records, pruned after a real sweep only
                    delete(path);
                }
            }
            if (!liveContent && gone == keys.size()) {
                blobs++;
            }
        }
    }

    /** Pull records naming a removed instance (or a content no longer on disk at all) go too. */
    private long dropLayerRecords(Fingerprints removed, List<String> warnings) {
        Path dir = cas.root().resolve("pulls/layers");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long dropped = 0;
        var json = JSON;
        try (DirectoryStream<Path> records = Files.newDirectoryStream(dir, "*.json")) {
            for (Path record : records) {
                boolean stale;
                try {
                    stale = namesRemovedContent(json.readTree(record.toFile()), removed);
                } catch (IOException | RuntimeException unreadable) {
                    String warning = "layer record " + record + " cannot be read (" + unreadable.getMessage()
                            + "); kept: pulls ignore it and the next pull of its layer writes it again";
                    LOG.warn(warning);
                    warn(warnings, warning);
                    continue;
                }
                if (stale) {
                    delete(record);
                    dropped++;
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "pruning pull records");
        }
        return dropped;
    }

    private boolean namesRemovedContent(com.fasterxml.jackson.databind.JsonNode root, Fingerprints removed) {
        if (!root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        for (var op : root.path("ops")) {
            if (op.path("op").asText().equals("file")) {
                if (!op.hasNonNull("digest") || !op.hasNonNull("mode")) {
                    throw new IllegalArgumentException("a file operation without its digest or mode");
                }
                BlobKey key = BlobKey.of(new FileEntry(op.get("digest").asText(), op.get("mode").asInt(),
                        op.path("uid").asLong(), op.path("gid").asLong()));
                if (removed.contains(Fingerprints.ofInstance(key))) {
                    return true;
                }
                if (!Files.exists(cas.instancePath(key), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && cas.siblings(key.digest()).isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    private void dropImageRecords() {
        Set<String> refs = new HashSet<>(new ManifestStore(cas).refs());
        dropTreeRecords(refs);
        Path dir = cas.root().resolve("pulls/images");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> records = Files.list(dir)) {
            for (Path record : records.toList()) {
                try {
                    if (!refs.contains(Files.readString(record).strip())) {
                        delete(record);
                    }
                } catch (IOException unreadable) {
                    LOG.warn("image record {} cannot be read ({}); kept", record, unreadable.getMessage());
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "pruning image records");
        }
    }

    /**
     * Drops the records of which tree an image produced ({@code pulls/trees/<hex>.json}) whose ref is
     * gone: a pull of that image makes its ref again from the layer records.
     */
    private void dropTreeRecords(Set<String> refs) {
        Path dir = cas.root().resolve("pulls/trees");
        if (!Files.isDirectory(dir)) {
            return;
        }
        var json = JSON;
        try (Stream<Path> records = Files.list(dir)) {
            for (Path record : records.toList()) {
                try {
                    String ref = json.readTree(record.toFile()).path("ref").asText("");
                    if (!ref.isEmpty() && !refs.contains(ref)) {
                        delete(record);
                    }
                } catch (IOException unreadable) {
                    LOG.warn("image record {} cannot be read ({}); kept", record, unreadable.getMessage());
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "pruning image records");
        }
    }

    /**
     * Removes what is left in tmp/ by a writer that is gone: entries unchanged (mtime and ctime) for
     * longer than the grace. A fresh one belongs to a writer at work, whether or not it holds the lock.
     */
    private long clearStaleTmp(Instant youngAfter, List<String> warnings) {
        long removed = 0;
        try (DirectoryStream<Path> left = Files.newDirectoryStream(cas.tmpDir())) {
            for (Path p : left) {
                try {
                    if (!isStale(p, youngAfter)) {
                        continue;
                    }
                    deleteTree(p, youngAfter);
                    removed++;
                } catch (IOException e) {
                    warn(warnings, "could not remove " + p + " from tmp/: " + IoErrors.reasonOf(e));
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmpDir().toString(), "clearing the CAS's tmp/");
        }
        return removed;
    }

    private static boolean isStale(Path p, Instant youngAfter) throws IOException {
        try {
            Stat s = PosixFiles.lstat(p);
            return !s.modified().toInstant().isAfter(youngAfter) && !s.changed().toInstant().isAfter(youngAfter);
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /** A stale directory goes with what is in it, unless something in it is fresh (then it all stays). */
    private static void deleteTree(Path p, Instant youngAfter) throws IOException {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> all = Files.walk(p)) {
                List<Path> inside = all.sorted(Comparator.reverseOrder()).toList();
                for (Path q : inside) {
                    if (!q.equals(p) && !isStale(q, youngAfter)) {
                        return;
                    }
                }
                for (Path q : inside) {
                    Files.deleteIfExists(q);
                }
            }
            return;
        }
        Files.deleteIfExists(p);
    }

    /** At most this many warnings in a report (each is in the log too), then one saying how many more. */
    static final int MAX_WARNINGS = 50;

    private static void warn(List<String> warnings, String warning) {
        if (warnings.size() < MAX_WARNINGS) {
            warnings.add(warning);
        } else if (warnings.size() == MAX_WARNINGS) {
            warnings.add("more warnings: see the worker's log");
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw IoErrors.classify(e, p.toString(), "removing " + p);
        }
    }
}
