package dev.tinyvol.worker.registry;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tinyvol.messages.manifest.Manifest;
import java.util.List;

/**
 * What a pull did.
 *
 * @param imageDigest  the digest of what the reference named (an index, or the manifest itself)
 * @param cached       the ref held the image's tree already: manifest requests and nothing else
 * @param pulledLayers layers downloaded now (the others were on the node already)
 * @param pulledBytes  bytes downloaded (compressed, as the registry sent them)
 * @param manifestId   the identity ({@code ManifestCodec.identity}) of the tree the pull stored
 * @param manifest     that tree: what a request assembles, whatever the ref of its name holds by then
 *                     (another pull or an ingest may have written it since); not part of the JSON
 */
public record PullReport(String image, String imageDigest, String ref, boolean cached, int layers, int pulledLayers,
                         long pulledBytes, long newBlobs, long entries, long durationMs, List<String> warnings,
                         String manifestId, @JsonIgnore Manifest manifest) {

    public PullReport {
        warnings = List.copyOf(warnings);
    }

    /** As a request that joined another's pull states it: nothing downloaded for itself. */
    PullReport joined() {
        return new PullReport(image, imageDigest, ref, true, layers, 0, 0, 0, entries, 0, warnings, manifestId, manifest);
    }
}
