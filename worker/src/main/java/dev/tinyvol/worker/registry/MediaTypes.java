package dev.tinyvol.worker.registry;

import java.util.List;

/** The media types a pull understands (OCI image spec 1.1, Docker image manifest v2 schema 2). */
final class MediaTypes {

    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** What a manifest request accepts, most specific first. */
    static final List<String> MANIFESTS = List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    /** How a layer's bytes are compressed. */
    enum Compression { NONE, GZIP, ZSTD }

    private MediaTypes() {
    }

    static boolean isIndex(String type) {
        return OCI_INDEX.equals(type) || DOCKER_LIST.equals(type);
    }

    static boolean isManifest(String type) {
        return OCI_MANIFEST.equals(type) || DOCKER_MANIFEST.equals(type);
    }

    /** The layer's compression, or null if it is not a layer type a pull can unpack. */
    static Compression layerCompression(String type) {
        // Non-distributable layers (".nondistributable.") are the same bytes with a rule about where they live.
        String t = type.replace(".nondistributable", "");
        return switch (t) {
            case OCI_LAYER, "application/vnd.docker.image.rootfs.diff.tar" -> Compression.NONE;
            case OCI_LAYER_GZIP, DOCKER_LAYER_GZIP -> Compression.GZIP;
            case OCI_LAYER_ZSTD -> Compression.ZSTD;
            default -> null;
        };
    }
}
