package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * What one layer may cost the node, counted as it unpacks ({@link RegistryLimits}): the bytes it
 * unpacks to (its tar stream, and its files' contents, which a sparse entry can make larger) against
 * {@code registry.layer.max.size}, and, past {@link RegistryLimits#RATIO_FLOOR}, against
 * {@code registry.layer.max.ratio} times its compressed bytes (so 10 GB of zeros in kilobytes stops
 * after 64 MiB, not after 10 GB written); its entries against {@code registry.layer.max.entries}; one
 * entry's headers (PAX records, GNU long names, sparse maps, which Commons Compress holds in memory)
 * against {@link RegistryLimits#ENTRY_HEADER_BYTES}; the names its operations keep against
 * {@link RegistryLimits#LAYER_NAME_BYTES}. Every overrun is {@code LAYER_LIMIT_EXCEEDED} naming the
 * layer and the setting; from inside a stream it travels as a {@link CodedIOException}.
 */
final class LayerBudget {

    private final Descriptor layer;
    private final RegistryLimits limits;
    private final LongSupplier compressed;
    private long tarBytes;
    private long contentBytes;
    private long entries;
    private long nameBytes;
    /** Where the current entry's headers began in the tar stream, or -1 while its content is read. */
    private long headersFrom = -1;

    /** @param compressed how many of the layer's bytes (as stored) have been read so far */
    LayerBudget(Descriptor layer, RegistryLimits limits, LongSupplier compressed) {
        this.layer = layer;
        this.limits = limits;
        this.compressed = compressed;
    }

    /** The decompressed tar stream, counted. */
    InputStream tar(InputStream decompressed) {
        return new Counted(decompressed, true);
    }

    /** One entry's content as the blob writer reads it, counted. */
    InputStream content(InputStream entry) {
        return new Counted(entry, false);
    }

    /** The next entry, after what is left of the current one; its headers held to their budget, the entries to theirs. */
    TarArchiveEntry next(TarArchiveInputStream tar) throws IOException {
        if (tar.getCurrentEntry() != null) {
            tar.transferTo(OutputStream.nullOutputStream()); // a hostile non-file entry's content is skipped, counted
        }
        headersFrom = tarBytes;
        TarArchiveEntry entry;
        try {
            entry = tar.getNextEntry();
        } finally {
            headersFrom = -1;
        }
        if (entry != null && ++entries > limits.layerEntries()) {
            throw exceeded("more than " + limits.layerEntries() + " entries (registry.layer.max.entries)");
        }
        return entry;
    }

    /** A name an operation keeps (a path, a link target). */
    void keep(String name) {
        nameBytes += name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > RegistryLimits.LAYER_NAME_BYTES) {
            throw exceeded("names (paths and link targets) of more than " + (RegistryLimits.LAYER_NAME_BYTES >> 20) + " MiB in all");
        }
    }

    private void counted(long n, boolean fromTar) throws CodedIOException {
        if (fromTar) {
            tarBytes += n;
            if (headersFrom >= 0 && tarBytes - headersFrom > RegistryLimits.ENTRY_HEADER_BYTES) {
                throw new CodedIOException(exceeded("an entry whose headers (PAX records, long names) take more than "
                        + (RegistryLimits.ENTRY_HEADER_BYTES >> 20) + " MiB"));
            }
        } else {
            contentBytes += n;
        }
        long unpacked = Math.max(tarBytes, contentBytes);
        if (unpacked > limits.layerBytes()) {
            throw new CodedIOException(exceeded("more than " + limits.layerBytes() + " bytes unpacked (registry.layer.max.size)"));
        }
        if (unpacked > RegistryLimits.RATIO_FLOOR && unpacked > (double) limits.layerRatio() * Math.max(1, compressed.getAsLong())) {
            throw new CodedIOException(exceeded(unpacked + " bytes unpacked from " + compressed.getAsLong()
                    + " compressed, more than " + limits.layerRatio() + " times as many (registry.layer.max.ratio)"));
        }
    }

    private TinyVolException exceeded(String what) {
        return new TinyVolException(ErrorCode.LAYER_LIMIT_EXCEEDED, layer.digest(), "layer " + layer.digest() + " holds "
                + what + "; it is refused (raise the setting named if the image is genuine)");
    }

    private final class Counted extends ReadThroughStream {
        private final boolean fromTar;

        Counted(InputStream in, boolean fromTar) {
            super(in);
            this.fromTar = fromTar;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n, fromTar);
            }
            return n;
        }

        @Override
        public void close() {
            // The tar reader does not own the layer's stream; the unpacker closes it.
        }
    }
}
