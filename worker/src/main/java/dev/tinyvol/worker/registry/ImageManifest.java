package dev.tinyvol.worker.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The parts of an image manifest (OCI or Docker schema 2) a pull uses: its config and its layers, in order. */
record ImageManifest(Descriptor config, List<Descriptor> layers) {

    private static final ObjectMapper JSON = RegistryJson.MAPPER;

    static ImageManifest parse(byte[] body, String image) {
        JsonNode root = read(body, image);
        if (root.path("schemaVersion").asInt() != 2 || !root.path("layers").isArray()) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, image, "the manifest of " + image
                    + " is not an image manifest of schema version 2 with layers");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : root.get("layers")) {
            Descriptor d = descriptor(layer, image);
            if (d.size() < 0) {
                // The size is what a layer's stream is cut at: without it an endless layer would fill the disk.
                throw new TinyVolException(ErrorCode.MALFORMED_REGISTRY_RESPONSE, image, "the manifest of " + image
                        + " names layer " + d.digest() + " without a size");
            }
            layers.add(d);
        }
        return new ImageManifest(descriptor(root.path("config"), image), List.copyOf(layers));
    }

    /**
     * The manifest for {@code platform} ({@code os/arch[/variant]}) in an index or manifest list;
     * for arm64 an entry without a variant matches {@code v8}, as containerd does.
     */
    static Descriptor select(byte[] index, String image, String platform) {
        String[] want = platform.split("/");
        List<String> offered = new ArrayList<>();
        for (JsonNode m : read(index, image).path("manifests")) {
            JsonNode p = m.path("platform");
            String os = p.path("os").asText();
            String arch = p.path("architecture").asText();
            String variant = p.path("variant").asText("");
            offered.add(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
            boolean variantMatches = want.length < 3 || want[2].equals(variant) || (variant.isEmpty() && want[2].equals("v8"));
            if (want.length >= 2 && want[0].equals(os) && want[1].equals(arch) && variantMatches) {
                return descriptor(m, image);
            }
        }
        throw new TinyVolException(ErrorCode.IMAGE_NOT_FOUND, image, "image " + image + " has no manifest for platform "
                + platform + " (it has: " + (offered.isEmpty() ? "none" : String.join(", ", offered)) + "); choose one with --platform");
    }

    private static Descriptor descriptor(JsonNode node, String image) {
        String digest = node.path("digest").asText("");
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, image, "the manifest of " + image + " names "
                    + (digest.isEmpty() ? "a blob without a digest" : "digest " + digest + ", which is not sha256"));
        }
        return new Descriptor(node.path("mediaType").asText(""), digest, node.path("size").asLong(-1));
    }

    private static JsonNode read(byte[] body, String image) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, image, "the manifest of " + image + " is not JSON");
        }
    }
}
