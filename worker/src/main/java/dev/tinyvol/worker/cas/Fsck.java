package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Checks every blob instance against its name: its content hashes to the digest (always hashed:
 * the fixed mtime is not trusted here), it is a regular file with the mode and owner its name says,
 * and it carries the fixed mtime. Names the refs and volumes that use each damaged instance. With
 * repair: a damaged content is moved aside into {@code <cas>/quarantine/} (a hard link: the
 * evidence is never deleted) and the instance re-made from an intact sibling of the same digest, or
 * from wherever it came from ({@link BlobSource}, a registry); a wrong mode, owner or mtime on good
 * content is set right in place. Hashing takes no lock (an instance a gc removes meanwhile is simply
 * not reported); each repair holds the CAS lock shared for as long as it replaces one instance, so a
 * gc never waits out a whole hash pass. It streams: one objects/ directory's names at a time.
 */
public final class Fsck {

    /** What can be wrong with an instance. */
    public enum Kind {
        /** The content does not hash to the instance's digest (written through a link, or the disk). */
        CONTENT,
        /** Not a regular file. */
        NOT_A_FILE,
        /** Permission bits other than the name's. */
        MODE,
        /** Owner other than the name's. */
        OWNER,
        /** Good content whose mtime moved (touched, or rewritten with the same bytes). */
        MTIME,
        /** A file in objects/ whose name is no instance name; left alone. */
        UNKNOWN_NAME
    }

    /** One damaged instance: what is wrong, who uses it, and what repair did. */
    public record Finding(String instance, Kind kind, String detail, List<String> refs, List<String> volumes,
                          String repair, boolean repaired) {
    }

    public record Report(long instances, long bytesHashed, List<Finding> findings, long repaired, long unrepaired,
                         String quarantine, long durationMs) {
        public boolean clean() {
            return findings.isEmpty();
        }

        /** Distinct damaged instances (one instance may have several findings). */
        public long damagedInstances() {
            return findings.stream().filter(f -> f.kind() != Kind.UNKNOWN_NAME).map(Finding::instance).distinct().count();
        }
    }

    /**
     * Where content for a damaged instance can come from besides its siblings: the registry it was
     * pulled from. Implemented outside the CAS (the registry package), so the store knows nothing of HTTP.
     */
    public interface BlobSource {
        /**
         * Writes an intact copy of {@code key}'s content to {@code into} (a new file) and says where
         * it came from, or returns null when this source does not have it.
         */
        String fetch(BlobKey key, Path into);
    }

    private final Cas cas;
    private final Supplier<Map<String, Manifest>> volumes;
    private final BlobSource source;
    private final int threads;

    /**
     * @param volumes the manifests of the volumes using this CAS, by volume name (to say which use a damaged blob)
     * @param source  where damaged content may be fetched again, or null
     */
    public Fsck(Cas cas, Supplier<Map<String, Manifest>> volumes, BlobSource source, int threads) {
        this.cas = cas;
        this.volumes = volumes;
        this.source = source;
        this.threads = threads;
    }

    public Report run(boolean repair, Progress progress) {
        long start = System.nanoTime();
        // No lock while hashing: a gc may remove an instance meanwhile (it is then simply not checked),
        // and a long hash pass must not keep a gc out, nor the worker's assemblies behind that gc.
        List<Path> shards = shards();
        long total = count(shards);
        progress.update("checking", 0, total);
        AtomicLong done = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        List<Finding> raw = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = WorkerPool.create("tinyvol-fsck", threads);
        try {
            for (Path shard : shards) {
                // One objects/ directory at a time: memory is one directory's names, not the store's.
                List<Future<?>> futures = new ArrayList<>();
                for (Path instance : instancesIn(shard)) {
                    futures.add(pool.submit(() -> {
                        raw.addAll(check(instance, bytes));
                        progress.update("checking", done.incrementAndGet(), total);
                    }));
                }
                WorkerPool.awaitAll(futures);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Finding> findings = users(raw);
        Path quarantine = cas.root().resolve("quarantine");
        if (repair) {
            findings = repairAll(findings, quarantine, progress);
        }
        findings.sort(java.util.Comparator.comparing(Finding::instance).thenComparing(Finding::kind));
        long repaired = findings.stream().filter(Finding::repaired).map(Finding::instance).distinct().count();
        long unrepaired = findings.stream().filter(f -> !f.repaired() && f.kind() != Kind.UNKNOWN_NAME)
                .map(Finding::instance).distinct().count();
        Report report = new Report(done.get(), bytes.get(), List.copyOf(findings), repaired, unrepaired,
                quarantine.toString(), (System.nanoTime() - start) / 1_000_000);
        FsckRecord.write(cas, report);
        return report;
    }

    private List<Path> shards() {
        try (Stream<Path> dirs = Files.list(cas.objectsDir())) {
            return dirs.sorted().toList(); // at most 256 (and any stray name, reported as UNKNOWN_NAME)
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "listing the CAS");
        }
    }

    private long count(List<Path> shards) {
        long n = 0;
        for (Path shard : shards) {
            if (Files.isDirectory(shard, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (java.nio.file.DirectoryStream<Path> names = Files.newDirectoryStream(shard)) {
                    for (Path ignored : names) {
                        n++;
                    }
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                } catch (IOException e) {
                    throw IoErrors.classify(e, shard.toString(), "listing the CAS");
                }
            }
        }
        return n;
    }

    private List<Path> instancesIn(Path shard) {
        if (!Files.isDirectory(shard, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> names = Files.list(shard)) {
            return names.sorted().toList();
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw IoErrors.classify(e, shard.toString(), "listing the CAS");
        }
    }

    private List<Finding> check(Path path, AtomicLong bytes) {
        String name = path.getParent().getFileName() + "/" + path.getFileName();
        BlobKey key = InstanceNames.parse(path.getFileName().toString());
        if (key == null || !path.getParent().getFileName().toString().equals(key.digest().substring(0, 2))) {
            return List.of(finding(name, Kind.UNKNOWN_NAME, "not an instance name (<sha256 hex>[.<mode>.<uid>.<gid>] "
                    + "in the directory of its first two digits); left alone"));
        }
        List<Finding> found = new ArrayList<>();
        try {
            Stat stat = PosixFiles.lstat(path);
            if (!stat.isRegularFile()) {
                return List.of(finding(name, Kind.NOT_A_FILE, "is not a regular file"));
            }
            String actual = Sha256.of(path);
            bytes.addAndGet(stat.size());
            if (!actual.equals(key.digest())) {
                found.add(finding(name, Kind.CONTENT, "content hashes to " + actual + " (" + stat.size() + " bytes)"));
            }
            for (dev.tinyvol.worker.posix.FileAttributes.Difference d : key.attributes().differences(stat)) {
                switch (d.field()) {
                    case MODE -> found.add(finding(name, Kind.MODE, d.detail()));
                    case OWNER -> found.add(finding(name, Kind.OWNER, d.detail()));
                    case MTIME -> {
                        // (a content change moves the mtime too; saying so twice would only be noise)
                        if (found.stream().noneMatch(f -> f.kind() == Kind.CONTENT)) {
                            found.add(finding(name, Kind.MTIME, d.detail()
                                    + (found.isEmpty() ? " (content intact: touched, or rewritten with the same bytes)" : "")));
                        }
                    }
                }
            }
        } catch (NoSuchFileException gone) {
            return List.of(); // removed since it was listed: only a repair elsewhere can do that under the shared lock
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "checking blob " + name);
        }
        return found;
    }

    private static Finding finding(String instance, Kind kind, String detail) {
        return new Finding(instance, kind, detail, List.of(), List.of(), null, false);
    }

    /** Adds to each finding the refs and volumes whose manifests name its instance. */
    private List<Finding> users(List<Finding> raw) {
        if (raw.isEmpty()) {
            return new ArrayList<>();
        }
        java.util.Set<String> damaged = new java.util.HashSet<>();
        raw.forEach(f -> damaged.add(f.instance()));
        Map<String, List<String>> refsOf = new TreeMap<>();
        Map<String, List<String>> volumesOf = new TreeMap<>();
        ManifestStore refs = new ManifestStore(cas);
        for (String ref : refs.refs()) {
            try {
                collect(refs.load(ref), ref, damaged, refsOf);
            } catch (dev.tinyvol.worker.errors.TinyVolException e) {
                if (e.code() != dev.tinyvol.worker.errors.ErrorCode.MANIFEST_NOT_FOUND) {
                    throw e;
                }
            }
        }
        new TreeMap<>(volumes.get()).forEach((volume, manifest) -> collect(manifest, volume, damaged, volumesOf));
        List<Finding> out = new ArrayList<>();
        for (Finding f : raw) {
            out.add(new Finding(f.instance(), f.kind(), f.detail(), refsOf.getOrDefault(f.instance(), List.of()),
                    volumesOf.getOrDefault(f.instance(), List.of()), null, false));
        }
        return out;
    }

    private static void collect(Manifest manifest, String user, java.util.Set<String> damaged, Map<String, List<String>> into) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        manifest.entries().values().forEach(e -> {
            if (e instanceof FileEntry f) {
                String name = Cas.instanceName(BlobKey.of(f));
                if (damaged.contains(name) && seen.add(name)) {
                    into.computeIfAbsent(name, k -> new ArrayList<>()).add(user);
                }
            }
        });
    }

    private List<Finding> repairAll(List<Finding> findings, Path quarantine, Progress progress) {
        Map<String, List<Finding>> byInstance = new TreeMap<>();
        findings.forEach(f -> byInstance.computeIfAbsent(f.instance(), k -> new ArrayList<>()).add(f));
        java.util.Set<String> damagedContent = new java.util.HashSet<>();
        findings.stream().filter(f -> f.kind() == Kind.CONTENT || f.kind() == Kind.NOT_A_FILE)
                .forEach(f -> damagedContent.add(f.instance()));
        List<Finding> out = new ArrayList<>();
        long done = 0;
        for (Map.Entry<String, List<Finding>> e : byInstance.entrySet()) {
            progress.update("repairing", done++, byInstance.size());
            String instance = e.getKey();
            List<Finding> list = e.getValue();
            if (list.get(0).kind() == Kind.UNKNOWN_NAME) {
                out.addAll(list);
                continue;
            }
            BlobKey key = InstanceNames.parse(instance.substring(instance.indexOf('/') + 1));
            String outcome;
            boolean repaired;
            try {
                if (damagedContent.contains(instance) || !key.digest().equals(hashOf(key))) {
                    // (content checked again right before attributes are fixed: it may have changed since)
                    outcome = remake(key, quarantine, damagedContent);
                } else {
                    try (StoreLock.Held shared = cas.lock().shared()) {
                        outcome = fixAttributes(key);
                    }
                }
                repaired = outcome != null;
                if (outcome == null) {
                    outcome = "not repaired: no intact copy of " + key.digest() + " on this node"
                            + (source == null ? "" : " and none from the registry it came from")
                            + "; ingest or pull a tree that holds it, then run 'tinyvol cas fsck --repair' again";
                }
            } catch (dev.tinyvol.worker.errors.TinyVolException ex) {
                repaired = false;
                outcome = "not repaired: " + ex.code() + ": " + ex.getMessage();
            }
            for (Finding f : list) {
                out.add(new Finding(f.instance(), f.kind(), f.detail(), f.refs(), f.volumes(), outcome, repaired));
            }
        }
        progress.update("repairing", byInstance.size(), byInstance.size());
        return out;
    }

    /**
     * Moves the damaged instance aside and makes it again from good content; null if there is none.
     * The CAS lock is held shared only while a sibling is chosen and the instance replaced (so no gc
     * removes the sibling in between), never while content is fetched from a registry.
     */
    private String remake(BlobKey key, Path quarantine, java.util.Set<String> damaged) {
        Path target = cas.instancePath(key);
        try (StoreLock.Held shared = cas.lock().shared()) {
            for (Path sibling : cas.siblings(key.digest())) {
                String name = sibling.getParent().getFileName() + "/" + sibling.getFileName();
                if (!damaged.contains(name) && !sibling.equals(target)) {
                    String aside = quarantineOf(target, quarantine);
                    cas.replaceDamaged(key, sibling);
                    return "re-made from its intact sibling " + name + "; the damaged one kept as " + aside;
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, quarantine.toString(), "repairing blob " + key);
        }
        if (source == null) {
            return null;
        }
        Path fetched = null;
        try {
            fetched = Files.createTempFile(cas.tmpDir(), "fsck.", ".fetch"); // fresh: a gc keeps it (cas.gc.min.age)
            String from = source.fetch(key, fetched);
            if (from == null) {
                return null;
            }
            try (StoreLock.Held shared = cas.lock().shared()) {
                String aside = quarantineOf(target, quarantine);
                cas.replaceDamaged(key, fetched);
                return from + "; the damaged one kept as " + aside;
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmpDir().toString(), "repairing blob " + key);
        } finally {
            if (fetched != null) {
                try {
                    Files.deleteIfExists(fetched);
                } catch (IOException ignored) {
                    // tmp/ leftovers are swept by a later gc
                }
            }
        }
    }

    /** A hard link of the damaged instance under quarantine/, so replacing its name loses no evidence. */
    private static String quarantineOf(Path instance, Path quarantine) throws IOException {
        Files.createDirectories(quarantine);
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        Path aside = quarantine.resolve(instance.getFileName() + "." + stamp);
        for (int n = 1; Files.exists(aside, java.nio.file.LinkOption.NOFOLLOW_LINKS); n++) {
            aside = quarantine.resolve(instance.getFileName() + "." + stamp + "." + n);
        }
        if (Files.isRegularFile(instance, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createLink(aside, instance);
        } else {
            Files.move(instance, aside); // not a file: nothing links it, so it can move
        }
        PosixFiles.fsyncDirectory(quarantine);
        return aside.toString();
    }

    private String hashOf(BlobKey key) {
        Path path = cas.instancePath(key);
        try {
            return Sha256.of(path);
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "checking blob " + key);
        }
    }

    /** Good content with a wrong mode, owner or mtime: set right in place (every link sees the fix). */
    private String fixAttributes(BlobKey key) {
        Path path = cas.instancePath(key);
        try {
            key.attributes().applyTo(path);
            return "mode, owner and mtime set to what its name says";
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "repairing blob " + key);
        }
    }
}
