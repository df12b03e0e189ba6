package dev.tinyvol.worker.registry;

import java.util.List;

/**
 * What a pull did.
 *
 * @param imageDigest  the digest of what the reference named (an index, or the manifest itself)
 * @param cached       the image was pulled before: one manifest request and nothing else
 * @param pulledLayers layers downloaded now (the others were on the node already)
 * @param pulledBytes  bytes downloaded (compressed, as the registry sent them)
 */
public record PullReport(String image, String imageDigest, String ref, boolean cached, int layers, int pulledLayers,
                         long pulledBytes, long newBlobs, long entries, long durationMs, List<String> warnings) {

    public PullReport {
        warnings = List.copyOf(warnings);
    }
}
