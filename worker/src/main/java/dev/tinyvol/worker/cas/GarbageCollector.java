package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes what nothing uses, under the CAS lock held exclusive (see {@link StoreLock}): while it
 * runs no ingest, pull or assembly is between choosing a blob and naming it. Live: every instance a
 * ref names, and every instance a manifest kept for a volume names; for a live content whose live
 * instances are all missing, one other instance of it stays (assembly makes the missing one from it).
 * An instance with more than one link is live too, whatever the manifests say: a volume links it
 * (one whose kept manifest is gone, or in a volumes directory this gc was not told of).
 * Everything else goes: unused blobs and unused instances of used contents, every leftover in
 * {@code tmp/} (no writer is running), the record of any pulled layer that named a removed blob (so a
 * later pull downloads it again rather than trusting it), and image records of removed refs.
 */
public final class GarbageCollector {

    /** What a gc removed (or, dry, would remove). */
    public record Report(boolean dryRun, long liveInstances, long blobsRemoved, long instancesRemoved, long bytesReclaimed,
                         long tmpRemoved, long layerRecordsRemoved, long durationMs) {
    }

    private final Cas cas;
    private final java.util.function.Supplier<List<Manifest>> volumeManifests;

    /**
     * @param volumeManifests the manifests the volumes using this CAS were built from; asked under the
     *                        exclusive lock (the volumes side may prune stale ones then, safely)
     */
    public GarbageCollector(Cas cas, java.util.function.Supplier<List<Manifest>> volumeManifests) {
        this.cas = cas;
        this.volumeManifests = volumeManifests;
    }

    public Report collect(boolean dryRun) {
        long start = System.nanoTime();
        try (StoreLock.Held exclusive = cas.lock().exclusive()) {
            Set<String> live = liveInstances();
            Set<String> liveDigests = new HashSet<>();
            live.forEach(name -> liveDigests.add(digestOf(name)));
            Map<String, List<Path>> onDisk = instancesOnDisk();
            List<Path> doomed = new ArrayList<>();
            long blobsRemoved = 0;
            for (Map.Entry<String, List<Path>> d : onDisk.entrySet()) {
                if (!liveDigests.contains(d.getKey())) {
                    doomed.addAll(d.getValue());
                    blobsRemoved++;
                    continue;
                }
                List<Path> unused = d.getValue().stream().filter(p -> !live.contains(nameOf(p))).toList();
                if (unused.size() == d.getValue().size()) {
                    unused = unused.subList(1, unused.size()); // the only source left for a live content
                }
                doomed.addAll(unused);
            }
            doomed.removeIf(GarbageCollector::linkedElsewhere);
            Set<String> doomedNames = new HashSet<>();
            long bytes = 0;
            for (Path p : doomed) {
                doomedNames.add(nameOf(p));
                bytes += sizeOnce(p);
            }
            long layers = 0;
            long tmp = 0;
            if (!dryRun) {
                layers = dropLayerRecords(doomedNames, onDisk.keySet());
                for (Path p : doomed) {
                    delete(p);
                }
                tmp = clearTmp();
                dropImageRecords();
            }
            return new Report(dryRun, live.size(), blobsRemoved, doomed.size(), bytes, tmp, layers,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** Instance names ({@code ab/<file>}) of every ref and every kept manifest. */
    private Set<String> liveInstances() {
        Set<String> live = new HashSet<>();
        ManifestStore refs = new ManifestStore(cas);
        for (String ref : refs.refs()) {
            try {
                addAll(live, refs.load(ref));
            } catch (dev.tinyvol.worker.errors.TinyVolException e) {
                if (e.code() != dev.tinyvol.worker.errors.ErrorCode.MANIFEST_NOT_FOUND) {
                    throw e;
                }
                // Removed since it was listed ('refs rm' takes no lock: it only makes less live).
            }
        }
        volumeManifests.get().forEach(m -> addAll(live, m));
        return live;
    }

    private static void addAll(Set<String> live, Manifest manifest) {
        manifest.entries().values().forEach(e -> {
            if (e instanceof FileEntry f) {
                live.add(Cas.instanceName(BlobKey.of(f)));
            }
        });
    }

    private Map<String, List<Path>> instancesOnDisk() {
        Map<String, List<Path>> byDigest = new HashMap<>();
        try (Stream<Path> all = Files.walk(cas.objectsDir(), 2)) {
            all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> byDigest.computeIfAbsent(digestOf(nameOf(p)), k -> new ArrayList<>()).add(p));
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "listing the CAS");
        }
        byDigest.values().forEach(list -> list.sort(null));
        return byDigest;
    }

    /** Pull records naming a removed instance (or a content no longer on disk at all) go too. */
    private long dropLayerRecords(Set<String> doomed, Set<String> digestsOnDisk) {
        Path dir = cas.root().resolve("pulls/layers");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long removed = 0;
        var json = new com.fasterxml.jackson.databind.ObjectMapper(); // one for all records, not one each
        try (Stream<Path> records = Files.list(dir)) {
            for (Path record : records.toList()) {
                boolean stale = false;
                var root = json.readTree(record.toFile());
                for (var op : root.path("ops")) {
                    if (op.path("op").asText().equals("file")) {
                        FileEntry f = new FileEntry(op.get("digest").asText(), op.get("mode").asInt(),
                                op.path("uid").asLong(), op.path("gid").asLong());
                        String name = Cas.instanceName(BlobKey.of(f));
                        if (doomed.contains(name) || !digestsOnDisk.contains(f.digest())) {
                            stale = true;
                            break;
                        }
                    }
                }
                if (stale) {
                    delete(record);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "pruning pull records");
        }
        return removed;
    }

    private void dropImageRecords() {
        Path dir = cas.root().resolve("pulls/images");
        if (!Files.isDirectory(dir)) {
            return;
        }
        Set<String> refs = new HashSet<>(new ManifestStore(cas).refs());
        try (Stream<Path> records = Files.list(dir)) {
            for (Path record : records.toList()) {
                if (!refs.contains(Files.readString(record).strip())) {
                    delete(record);
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "pruning image records");
        }
    }

    /** Under the exclusive lock no writer is running: whatever is in tmp/ is left from one that died. */
    private long clearTmp() {
        long removed = 0;
        try (Stream<Path> left = Files.list(cas.tmpDir())) {
            for (Path p : left.toList()) {
                delete(p);
                removed++;
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmpDir().toString(), "clearing the CAS's tmp/");
        }
        return removed;
    }

    private static long sizeOnce(Path p) {
        try {
            return dev.tinyvol.worker.posix.PosixFiles.lstat(p).size();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean linkedElsewhere(Path p) {
        try {
            return dev.tinyvol.worker.posix.PosixFiles.lstat(p).links() > 1;
        } catch (IOException e) {
            return true; // cannot tell: keep it
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw IoErrors.classify(e, p.toString(), "removing " + p);
        }
    }

    private static String nameOf(Path instance) {
        return instance.getParent().getFileName() + "/" + instance.getFileName();
    }

    private static String digestOf(String instanceName) {
        String file = instanceName.substring(instanceName.indexOf('/') + 1);
        int dot = file.indexOf('.');
        return dot < 0 ? file : file.substring(0, dot);
    }
}
