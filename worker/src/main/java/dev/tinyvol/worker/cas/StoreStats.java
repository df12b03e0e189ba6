package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a CAS holds and what it saves: blobs (distinct contents), instances (content with a mode and
 * owner), the bytes they take once, and the logical bytes of every ref, whose ratio is the dedup.
 */
public final class StoreStats {

    /** One ref: its entries, regular files and logical bytes. */
    public record RefStats(String ref, int entries, long files, long bytes) {
    }

    /**
     * @param storedBytes each instance's inode counted once (instances of one digest are separate inodes)
     * @param logicalBytes the sum of the refs' logical bytes
     */
    public record Totals(long blobs, long instances, long storedBytes, long logicalBytes, double dedupRatio,
                         List<RefStats> refs) {
    }

    private StoreStats() {
    }

    public static RefStats of(Cas cas, String ref, Manifest manifest, Map<BlobKey, Long> sizes) {
        long files = 0;
        long bytes = 0;
        for (var entry : manifest.entries().values()) {
            if (entry instanceof FileEntry f) {
                files++;
                bytes += sizes.computeIfAbsent(BlobKey.of(f), k -> sizeOf(cas, k));
            }
        }
        return new RefStats(ref, manifest.entries().size(), files, bytes);
    }

    /**
     * Streams over the store: one ref's manifest at a time (sizes remembered within that ref only), and
     * one {@code objects/<2 hex>} directory at a time (a content's instances, and any hard links between
     * them, all share one), so memory stays bounded however many blobs the store holds.
     */
    public static Totals of(Cas cas) {
        ManifestStore store = new ManifestStore(cas);
        List<RefStats> refs = new java.util.ArrayList<>();
        for (String ref : store.refs()) {
            try {
                refs.add(of(cas, ref, store.load(ref), new HashMap<>()));
            } catch (dev.tinyvol.worker.errors.TinyVolException e) {
                if (e.code() != dev.tinyvol.worker.errors.ErrorCode.MANIFEST_NOT_FOUND) {
                    throw e;
                }
                // removed since it was listed
            }
        }
        long blobs = 0;
        long instances = 0;
        long stored = 0;
        List<Path> shards;
        try (Stream<Path> dirs = Files.list(cas.objectsDir())) {
            shards = dirs.sorted().toList(); // at most 256
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "reading the CAS");
        }
        for (Path shard : shards) {
            Set<String> digests = new HashSet<>();
            Set<Object> inodes = new HashSet<>();
            try (java.nio.file.DirectoryStream<Path> all = Files.newDirectoryStream(shard)) {
                for (Path p : all) {
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // removed by a gc meanwhile
                    }
                    if (!a.isRegularFile()) {
                        continue;
                    }
                    String name = p.getFileName().toString();
                    digests.add(name.contains(".") ? name.substring(0, name.indexOf('.')) : name);
                    instances++;
                    if (inodes.add(a.fileKey())) {
                        stored += a.size();
                    }
                }
            } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException gone) {
                continue;
            } catch (IOException e) {
                throw IoErrors.classify(e, shard.toString(), "reading the CAS");
            }
            blobs += digests.size();
        }
        long logical = refs.stream().mapToLong(RefStats::bytes).sum();
        return new Totals(blobs, instances, stored, logical, stored == 0 ? 0 : (double) logical / stored, List.copyOf(refs));
    }

    private static long sizeOf(Cas cas, BlobKey key) {
        try {
            return Files.size(cas.instancePath(key));
        } catch (IOException e) {
            return 0; // a missing instance: assembly makes it from a sibling, or fails naming it
        }
    }
}
