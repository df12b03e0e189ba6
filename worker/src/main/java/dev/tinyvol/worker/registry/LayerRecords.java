package dev.tinyvol.worker.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.AtomicFile;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the node keeps of pulls, beside the refs: per layer digest the operations it produced
 * ({@code <cas>/pulls/layers/<hex>.json}), and per image digest the tree it produced
 * ({@code <cas>/pulls/trees/<hex>.json}: the manifest identity, for which platform and copy paths,
 * and the ref it was stored as). A record is written only after the blobs it names are on disk, so
 * a record never names content the node does not have whole. The image records of earlier versions
 * ({@code <cas>/pulls/images/<hex>.ref}, the ref name alone) said nothing of the tree, so they are
 * not trusted: an image pulled before them is made into its ref again from its layer records.
 */
final class LayerRecords {

    private static final ObjectMapper JSON = RegistryJson.MAPPER;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LayerRecords.class);

    private final Path layers;
    private final Path images;
    private final Path trees;
    private final Path tmp;

    LayerRecords(Cas cas) {
        this.layers = cas.root().resolve("pulls/layers");
        this.images = cas.root().resolve("pulls/images");
        this.trees = cas.root().resolve("pulls/trees");
        this.tmp = cas.tmpDir();
        try {
            Files.createDirectories(layers);
            Files.createDirectories(trees);
        } catch (IOException e) {
            throw IoErrors.classify(e, layers.toString(), "creating the pull records directory");
        }
    }

    Optional<List<LayerOp>> layer(String digest) {
        Path file = layers.resolve(hex(digest) + ".json");
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            List<LayerOp> ops = new ArrayList<>();
            for (JsonNode op : root.path("ops")) {
                ops.add(readOp(op));
            }
            return Optional.of(ops);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: pull the layer again, which rewrites it
        }
    }

    /**
     * @param from      the image it was downloaded for (its repository can serve the layer again:
     *                  fsck re-pulls a damaged blob from there)
     * @param mediaType the layer's media type (its compression)
     */
    void putLayer(String digest, List<LayerOp> ops, String from, String mediaType) {
        ObjectNode root = JSON.createObjectNode();
        root.put("digest", digest);
        root.put("from", from);
        root.put("mediaType", mediaType);
        ArrayNode list = root.putArray("ops");
        ops.forEach(op -> list.add(writeOp(op)));
        write(layers.resolve(hex(digest) + ".json"), root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Where a layer holding some file came from: enough to download it again and find the file. */
    record Origin(String layerDigest, String mediaType, String from, String path) {
    }

    /**
     * Every recorded layer with a regular file of content {@code blobDigest} (plain hex), and the
     * file's path in it; records written before origins were kept have none and are skipped.
     */
    List<Origin> origins(String blobDigest, int mode, long uid, long gid) {
        List<Origin> found = new ArrayList<>();
        try (var files = Files.newDirectoryStream(layers, "*.json")) {
            for (Path file : files) {
                JsonNode root;
                try {
                    root = JSON.readTree(Files.readAllBytes(file));
                } catch (IOException | RuntimeException unreadable) {
                    continue;
                }
                if (!root.hasNonNull("from") || !root.hasNonNull("mediaType")) {
                    continue;
                }
                for (JsonNode op : root.path("ops")) {
                    if ("file".equals(op.path("op").asText()) && blobDigest.equals(op.path("digest").asText())
                            && op.path("mode").asInt() == mode && op.path("uid").asLong() == uid && op.path("gid").asLong() == gid) {
                        found.add(new Origin(root.path("digest").asText(), root.get("mediaType").asText(),
                                root.get("from").asText(), op.path("path").asText()));
                        break;
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return found;
        } catch (IOException e) {
            throw IoErrors.classify(e, layers.toString(), "reading the pull records");
        }
        return found;
    }

    /** A layer record that names content no longer on the node: the next pull downloads the layer. */
    void dropLayer(String digest) {
        try {
            Files.deleteIfExists(layers.resolve(hex(digest) + ".json"));
        } catch (IOException e) {
            throw IoErrors.classify(e, layers.toString(), "removing a stale layer record");
        }
    }

    /**
     * The tree an image produced when it was last pulled here.
     *
     * @param identity the manifest identity ({@code ManifestCodec.identity}) of the tree stored
     * @param platform the platform it was pulled for (an index gives each its own tree)
     * @param copy     the copy paths marked in it ({@code CopyPaths.toString()}, empty for none)
     * @param ref      the ref it was stored as (informative: the identity, not the name, says whether a
     *                 ref holds this image)
     */
    record ImageTree(String identity, String platform, String copy, String ref) {
    }

    /** Empty when the image was never pulled, or only by a version that kept no identity. */
    Optional<ImageTree> imageTree(String digest) {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(trees.resolve(hex(digest) + ".json")));
            if (!root.hasNonNull("identity") || !root.hasNonNull("platform") || !root.hasNonNull("copy")) {
                return Optional.empty();
            }
            return Optional.of(new ImageTree(root.get("identity").asText(), root.get("platform").asText(),
                    root.get("copy").asText(), root.path("ref").asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // none, or unreadable: the ref is made again from the layer records
        }
    }

    void putImageTree(String digest, ImageTree tree) {
        ObjectNode root = JSON.createObjectNode();
        root.put("image", digest);
        root.put("identity", tree.identity());
        root.put("platform", tree.platform());
        root.put("copy", tree.copy());
        root.put("ref", tree.ref());
        write(trees.resolve(hex(digest) + ".json"), root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try {
            // The record of an earlier version for this image, superseded.
            Files.deleteIfExists(images.resolve(hex(digest) + ".ref"));
        } catch (IOException e) {
            LOG.debug("could not remove the old image record of {}: {}", digest, e.getMessage());
        }
    }

    /** Durable: a pull's record is what lets the next pull and a gc trust the layer's blobs. */
    private void write(Path target, byte[] bytes) {
        AtomicFile.replace(target, bytes, AtomicFile.Durability.DURABLE, tmp, "writing the pull record");
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    private static ObjectNode writeOp(LayerOp op) {
        ObjectNode n = JSON.createObjectNode();
        n.put("path", op.path());
        switch (op) {
            case LayerOp.Put put -> {
                ManifestEntry e = put.entry();
                switch (e) {
                    case FileEntry f -> n.put("op", "file").put("digest", f.digest()).put("mode", f.mode());
                    case SymlinkEntry s -> n.put("op", "symlink").put("target", s.target());
                    case DirEntry d -> n.put("op", "dir").put("mode", d.mode());
                }
                n.put("uid", e.uid()).put("gid", e.gid());
            }
            case LayerOp.HardLink link -> n.put("op", "link").put("target", link.target());
            case LayerOp.Whiteout w -> n.put("op", "whiteout");
            case LayerOp.Opaque o -> n.put("op", "opaque");
        }
        return n;
    }

    private static LayerOp readOp(JsonNode n) {
        String path = n.get("path").asText();
        long uid = n.path("uid").asLong();
        long gid = n.path("gid").asLong();
        return switch (n.get("op").asText()) {
            case "file" -> new LayerOp.Put(path, new FileEntry(n.get("digest").asText(), n.get("mode").asInt(), uid, gid));
            case "symlink" -> new LayerOp.Put(path, new SymlinkEntry(n.get("target").asText(), uid, gid));
            case "dir" -> new LayerOp.Put(path, new DirEntry(n.get("mode").asInt(), uid, gid));
            case "link" -> new LayerOp.HardLink(path, n.get("target").asText());
            case "whiteout" -> new LayerOp.Whiteout(path);
            case "opaque" -> new LayerOp.Opaque(path);
            default -> throw new IllegalArgumentException("unknown op " + n.get("op"));
        };
    }
}
