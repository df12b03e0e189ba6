package dev.tinyvol.worker.testing;

import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/** Images built by tests, layer by layer with Commons Compress, and pushed to a registry. */
public final class TestImages {

    private TestImages() {
    }

    public enum Compression { NONE, GZIP, ZSTD }

    /** A layer's bytes as the registry stores them, and its media type. */
    public record Layer(byte[] bytes, String mediaType) {
        public String digest() {
            return sha256(bytes);
        }
    }

    /** Writes tar entries of one layer. */
    public static final class Tar {
        private final TarArchiveOutputStream out;

        Tar(TarArchiveOutputStream out) {
            this.out = out;
        }

        public Tar dir(String path, int mode) {
            return entry(path + "/", TarConstants.LF_DIR, mode, 0, 0, null, new byte[0]);
        }

        public Tar file(String path, String content, int mode) {
            return file(path, content, mode, 0, 0);
        }

        public Tar file(String path, String content, int mode, long uid, long gid) {
            return entry(path, TarConstants.LF_NORMAL, mode, uid, gid, null, content.getBytes(StandardCharsets.UTF_8));
        }

        public Tar symlink(String path, String target) {
            return entry(path, TarConstants.LF_SYMLINK, 0777, 0, 0, target, new byte[0]);
        }

        public Tar hardlink(String path, String target) {
            return entry(path, TarConstants.LF_LINK, 0644, 0, 0, target, new byte[0]);
        }

        public Tar charDevice(String path) {
            return entry(path, TarConstants.LF_CHR, 0666, 0, 0, null, new byte[0]);
        }

        public Tar whiteout(String path) {
            int slash = path.lastIndexOf('/');
            return file((slash < 0 ? "" : path.substring(0, slash + 1)) + ".wh." + path.substring(slash + 1), "", 0644);
        }

        public Tar opaque(String dir) {
            return file(dir + "/.wh..wh..opq", "", 0644);
        }

        private Tar entry(String name, byte type, int mode, long uid, long gid, String link, byte[] content) {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            if (link != null) {
                e.setLinkName(link);
            }
            e.setSize(content.length);
            try {
                out.putArchiveEntry(e);
                out.write(content);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
            return this;
        }
    }

    public static Layer layer(Compression compression, Consumer<Tar> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            OutputStream compressed = switch (compression) {
                case NONE -> bytes;
                case GZIP -> new GzipCompressorOutputStream(bytes);
                case ZSTD -> new ZstdCompressorOutputStream(bytes);
            };
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                entries.accept(new Tar(tar));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String type = switch (compression) {
            case NONE -> "application/vnd.oci.image.layer.v1.tar";
            case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
            case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
        };
        return new Layer(bytes.toByteArray(), type);
    }

    /** A manifest pushed: its digest and size, for an index to name it. */
    public record Pushed(String digest, long size) {
    }

    /** Pushes the layers, a config and an OCI manifest. */
    public static Pushed push(RegistryClient registry, ImageReference image, List<Layer> layers, String architecture) {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descriptors = new StringBuilder();
        for (Layer layer : layers) {
            upload(registry, image, layer.bytes());
            descriptors.append(descriptors.isEmpty() ? "" : ",").append(descriptor(layer.mediaType(), layer.bytes()));
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(layer.digest()).append('"');
        }
        byte[] config = ("{\"architecture\":\"" + architecture + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + diffIds + "]},\"config\":{}}").getBytes(StandardCharsets.UTF_8);
        upload(registry, image, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" + descriptors + "]}")
                .getBytes(StandardCharsets.UTF_8);
        registry.putManifest(image, image.reference(), "application/vnd.oci.image.manifest.v1+json", manifest);
        return new Pushed(sha256(manifest), manifest.length);
    }

    /** Pushes an index naming manifests already pushed, by architecture (linux/ARCH); returns its digest. */
    public static String pushIndex(RegistryClient registry, ImageReference image, java.util.Map<String, Pushed> byArch) {
        StringBuilder manifests = new StringBuilder();
        byArch.forEach((arch, m) -> manifests.append(manifests.isEmpty() ? "" : ",")
                .append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",")
                .append("\"digest\":\"").append(m.digest()).append("\",\"size\":").append(m.size())
                .append(",\"platform\":{\"os\":\"linux\",\"architecture\":\"").append(arch).append("\"}}"));
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + manifests + "]}").getBytes(StandardCharsets.UTF_8);
        registry.putManifest(image, image.reference(), "application/vnd.oci.image.index.v1+json", index);
        return sha256(index);
    }

    private static void upload(RegistryClient registry, ImageReference image, byte[] blob) {
        String digest = sha256(blob);
        if (!registry.hasBlob(image, digest)) {
            registry.uploadBlob(image, digest, HttpRequest.BodyPublishers.ofByteArray(blob));
        }
    }

    private static String descriptor(String mediaType, byte[] blob) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + sha256(blob) + "\",\"size\":" + blob.length + "}";
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
