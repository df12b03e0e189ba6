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

    public static Totals of(Cas cas) {
        ManifestStore store = new ManifestStore(cas);
        Map<BlobKey, Long> sizes = new HashMap<>();
        List<RefStats> refs = store.refs().stream().map(r -> of(cas, r, store.load(r), sizes)).toList();
        Set<String> digests = new HashSet<>();
        Set<Object> inodes = new HashSet<>();
        long instances = 0;
        long stored = 0;
        try (Stream<Path> all = Files.walk(cas.objectsDir(), 2)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.objectsDir().toString(), "reading the CAS");
        }
        long logical = refs.stream().mapToLong(RefStats::bytes).sum();
        return new Totals(digests.size(), instances, stored, logical, stored == 0 ? 0 : (double) logical / stored, refs);
    }

    private static long sizeOf(Cas cas, BlobKey key) {
        try {
            return Files.size(cas.instancePath(key));
        } catch (IOException e) {
            return 0; // a missing instance: assembly makes it from a sibling, or fails naming it
        }
    }
}
