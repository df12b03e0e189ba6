package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Fsck;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Where fsck finds a damaged blob again when the node has no intact sibling: a layer the node
 * pulled that holds the file, downloaded once more from the repository it came from (the pull
 * records keep the image and media type of each layer). The layer is read only as far as the file;
 * what is written is checked by the CAS against the blob's digest before it replaces anything.
 */
public final class LayerRefetch implements Fsck.BlobSource {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LayerRefetch.class);

    private final LayerRecords records;
    private final RegistryClient registry;

    public LayerRefetch(Cas cas, RegistryClient registry) {
        this.records = new LayerRecords(cas);
        this.registry = registry;
    }

    @Override
    public String fetch(BlobKey key, Path into) {
        for (LayerRecords.Origin origin : records.origins(key.digest(), key.mode(), key.uid(), key.gid())) {
            try {
                if (extract(origin, into)) {
                    return "re-pulled from " + origin.from() + " (layer " + origin.layerDigest() + ", " + origin.path() + ")";
                }
            } catch (TinyVolException | IOException e) {
                // This layer's registry is down or forgot it: another layer holding the file may serve.
                LOG.warn("could not re-pull {} from layer {} of {}: {}", key, origin.layerDigest(), origin.from(), e.getMessage());
            }
        }
        return null;
    }

    private boolean extract(LayerRecords.Origin origin, Path into) throws IOException {
        MediaTypes.Compression compression = MediaTypes.layerCompression(origin.mediaType());
        if (compression == null) {
            return false;
        }
        ImageReference image = ImageReference.parse(origin.from());
        // The same limits as a pull: a registry that now serves something hostile cannot fill the disk or the heap.
        Descriptor layer = new Descriptor(origin.mediaType(), origin.layerDigest(), -1);
        try (LayerUnpacker.CountingStream raw = new LayerUnpacker.CountingStream(registry.blob(image, origin.layerDigest()),
                n -> { }, layer)) {
            LayerBudget budget = new LayerBudget(layer, registry.limits(), raw::count);
            TarArchiveInputStream tar = new TarArchiveInputStream(budget.tar(LayerUnpacker.decompressed(raw, compression)));
            for (TarArchiveEntry entry; (entry = budget.next(tar)) != null; ) {
                if (LayerUnpacker.isRegularFile(entry)
                        && LayerPaths.normalize(entry.getName(), origin.layerDigest()).equals(origin.path())) {
                    try (OutputStream out = Files.newOutputStream(into)) {
                        budget.content(tar).transferTo(out);
                    }
                    return true;
                }
            }
        } catch (IOException e) {
            CodedIOException coded = CodedIOException.in(e);
            if (coded != null) {
                throw coded.failure();
            }
            throw e;
        }
        return false;
    }
}
