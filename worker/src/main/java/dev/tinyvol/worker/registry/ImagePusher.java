package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Publishes a stored ref as an OCI image any OCI tool can pull, in content-stable layers: one layer
 * per top-level directory (the files at the top in one more), a large one split by its second
 * level. Each layer is a reproducible tar.gz (entries sorted, times zero, owners and modes from the
 * manifest, a repeated instance as a hard link), so a group whose files did not change makes the
 * same bytes and digest again: the registry already has it and it is not uploaded, and a node that
 * pulled the last version downloads only the layers that changed.
 */
public final class ImagePusher {

    /** A group larger than this (file bytes) is split by its second-level directories. */
    static final long SPLIT_BYTES = 256L << 20;

    private final Cas cas;
    private final RegistryClient registry;

    public ImagePusher(Cas cas, RegistryClient registry) {
        this.cas = cas;
        this.registry = registry;
    }

    /** What a push did: the manifest's digest, the layers, and how many were uploaded now. */
    public record PushReport(String image, String manifestDigest, int layers, int uploadedLayers, long uploadedBytes,
                             long durationMs) {
    }

    public PushReport push(Manifest manifest, ImageReference image, Progress progress) {
        long start = System.nanoTime();
        List<TreeMap<String, ManifestEntry>> groups = groups(manifest, f -> cas.ensureInstance(BlobKey.of(f)));
        List<String> diffIds = new ArrayList<>();
        StringBuilder layers = new StringBuilder();
        int uploaded = 0;
        long uploadedBytes = 0;
        int done = 0;
        for (TreeMap<String, ManifestEntry> group : groups) {
            progress.update("layers", done, groups.size());
            Path tar = null;
            try {
                tar = Files.createTempFile(cas.tmpDir(), "push.", ".tar.gz");
                String[] digests = writeLayer(group, tar); // {compressed, uncompressed}
                long size = Files.size(tar);
                if (!registry.hasBlob(image, digests[0])) {
                    registry.uploadBlob(image, digests[0], HttpRequest.BodyPublishers.ofFile(tar));
                    uploaded++;
                    uploadedBytes += size;
                }
                diffIds.add(digests[1]);
                layers.append(layers.isEmpty() ? "" : ",").append(descriptor(MediaTypes.OCI_LAYER_GZIP, digests[0], size));
            } catch (IOException e) {
                throw IoErrors.classify(e, tar == null ? cas.tmpDir().toString() : tar.toString(), "writing a layer");
            } finally {
                deleteQuietly(tar);
            }
            done++;
        }
        progress.update("layers", done, groups.size());
        StringBuilder ids = new StringBuilder();
        diffIds.forEach(d -> ids.append(ids.isEmpty() ? "" : ",").append('"').append(d).append('"'));
        byte[] config = ("{\"architecture\":\"" + RegistrySettings.currentPlatform().split("/")[1] + "\",\"os\":\"linux\","
                + "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String configDigest = ImagePuller.digestOf(config);
        if (!registry.hasBlob(image, configDigest)) {
            registry.uploadBlob(image, configDigest, HttpRequest.BodyPublishers.ofByteArray(config));
        }
        byte[] body = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":[" + layers + "]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        registry.putManifest(image, image.reference(), MediaTypes.OCI_MANIFEST, body);
        return new PushReport(image.toString(), ImagePuller.digestOf(body), groups.size(), uploaded, uploadedBytes,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** The entries by layer: top-level files first, then each top-level directory (large ones split). */
    static List<TreeMap<String, ManifestEntry>> groups(Manifest manifest, java.util.function.ToLongFunction<FileEntry> sizeOf) {
        TreeMap<String, TreeMap<String, ManifestEntry>> byTop = new TreeMap<>();
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            String path = e.getKey();
            int slash = path.indexOf('/');
            // A top-level directory entry belongs with its contents; top-level files and symlinks together.
            String top = slash >= 0 ? path.substring(0, slash) : e.getValue() instanceof DirEntry ? path : "";
            byTop.computeIfAbsent(top, k -> new TreeMap<>()).put(path, e.getValue());
        }
        List<TreeMap<String, ManifestEntry>> groups = new ArrayList<>();
        for (Map.Entry<String, TreeMap<String, ManifestEntry>> g : byTop.entrySet()) {
            long bytes = g.getValue().values().stream().filter(e -> e instanceof FileEntry)
                    .mapToLong(e -> sizeOf.applyAsLong((FileEntry) e)).sum();
            if (g.getKey().isEmpty() || bytes <= SPLIT_BYTES) {
                groups.add(g.getValue());
                continue;
            }
            TreeMap<String, TreeMap<String, ManifestEntry>> bySecond = new TreeMap<>();
            g.getValue().forEach((path, entry) -> {
                String[] parts = path.split("/", 3);
                String key = parts.length >= 3 ? parts[1] : "";
                bySecond.computeIfAbsent(key, k -> new TreeMap<>()).put(path, entry);
            });
            groups.addAll(bySecond.values());
        }
        return groups;
    }

    /** Writes one reproducible tar.gz; returns its sha256 and that of the tar inside (the diff_id). */
    private String[] writeLayer(TreeMap<String, ManifestEntry> entries, Path file) throws IOException {
        MessageDigest compressed = dev.tinyvol.worker.cas.Sha256.newDigest();
        MessageDigest uncompressed = dev.tinyvol.worker.cas.Sha256.newDigest();
        GzipParameters gzip = new GzipParameters();
        gzip.setModificationTime(0);
        gzip.setOperatingSystem(255);
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), compressed);
             GzipCompressorOutputStream z = new GzipCompressorOutputStream(out, gzip);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(z, uncompressed))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            TreeSet<String> written = new TreeSet<>();
            Map<FileEntry, String> firstPathOf = new HashMap<>();
            for (Map.Entry<String, ManifestEntry> e : entries.entrySet()) {
                parents(tar, e.getKey(), entries, written);
                write(tar, e.getKey(), e.getValue(), firstPathOf);
                written.add(e.getKey());
            }
        }
        HexFormat hex = HexFormat.of();
        return new String[] {"sha256:" + hex.formatHex(compressed.digest()), "sha256:" + hex.formatHex(uncompressed.digest())};
    }

    /** Parents the manifest leaves implicit, as 0755 root directories, before their first child. */
    private static void parents(TarArchiveOutputStream tar, String path, Map<String, ManifestEntry> entries,
                                TreeSet<String> written) throws IOException {
        int slash = -1;
        while ((slash = path.indexOf('/', slash + 1)) > 0) {
            String parent = path.substring(0, slash);
            if (!written.contains(parent) && !entries.containsKey(parent)) {
                TarArchiveEntry dir = entry(parent + "/", TarConstants.LF_DIR, DirEntry.DEFAULT_MODE, 0, 0);
                tar.putArchiveEntry(dir);
                tar.closeArchiveEntry();
                written.add(parent);
            }
        }
    }

    private void write(TarArchiveOutputStream tar, String path, ManifestEntry entry, Map<FileEntry, String> firstPathOf)
            throws IOException {
        switch (entry) {
            case DirEntry d -> {
                tar.putArchiveEntry(entry(path + "/", TarConstants.LF_DIR, d.mode(), d.uid(), d.gid()));
                tar.closeArchiveEntry();
            }
            case SymlinkEntry s -> {
                TarArchiveEntry t = entry(path, TarConstants.LF_SYMLINK, 0777, s.uid(), s.gid());
                t.setLinkName(s.target());
                tar.putArchiveEntry(t);
                tar.closeArchiveEntry();
            }
            case FileEntry f -> {
                String first = firstPathOf.putIfAbsent(f, path);
                if (first != null) {
                    // The same instance again: one inode, as a hard link (umoci and tar make it one file twice linked).
                    TarArchiveEntry t = entry(path, TarConstants.LF_LINK, f.mode(), f.uid(), f.gid());
                    t.setLinkName(first);
                    tar.putArchiveEntry(t);
                    tar.closeArchiveEntry();
                    return;
                }
                BlobKey key = BlobKey.of(f);
                long size = cas.ensureInstance(key);
                TarArchiveEntry t = entry(path, TarConstants.LF_NORMAL, f.mode(), f.uid(), f.gid());
                t.setSize(size);
                tar.putArchiveEntry(t);
                try (InputStream in = Files.newInputStream(cas.instancePath(key))) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, long uid, long gid) {
        TarArchiveEntry t = new TarArchiveEntry(name, type);
        t.setMode(mode);
        t.setUserId(uid);
        t.setGroupId(gid);
        t.setModTime(0);
        return t;
    }

    private static String descriptor(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A leftover in tmp/ is harmless; the next clean of tmp/ removes it.
            }
        }
    }
}
