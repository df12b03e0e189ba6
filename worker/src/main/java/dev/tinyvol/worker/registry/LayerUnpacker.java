package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Unpacks one layer as it streams: its bytes are hashed on the way in (the layer's digest is checked
 * when the stream ends, before anything it produced may be named by a ref), decompressed, read as
 * tar by Commons Compress (PAX and GNU long names), and every regular file goes straight into a
 * blob instance with the mode and owner of its header. Nothing of a layer is held in memory but
 * its list of operations.
 */
final class LayerUnpacker {

    private final dev.tinyvol.worker.cas.BlobWriter blobs;
    private final RegistryLimits limits;

    LayerUnpacker(dev.tinyvol.worker.cas.BlobWriter blobs) {
        this(blobs, RegistryLimits.DEFAULTS);
    }

    /** @param limits what a layer may unpack to ({@link LayerBudget}) */
    LayerUnpacker(dev.tinyvol.worker.cas.BlobWriter blobs, RegistryLimits limits) {
        this.blobs = blobs;
        this.limits = limits;
    }

    /** A layer's operations, the warnings for entries skipped, and what was downloaded. */
    record Unpacked(List<LayerOp> ops, List<String> warnings, long bytes, long newBlobs) {
    }

    /**
     * @param raw      the layer's bytes as the registry sends them (closed here)
     * @param progress told how many compressed bytes have been read so far
     */
    Unpacked unpack(Descriptor layer, InputStream raw, LongConsumer progress) {
        MediaTypes.Compression compression = MediaTypes.layerCompression(layer.mediaType());
        if (compression == null) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, layer.digest(), "layer " + layer.digest()
                    + " has media type " + layer.mediaType() + ", which is not a tar layer (tar, tar+gzip, tar+zstd)");
        }
        MessageDigest sha = dev.tinyvol.worker.cas.Sha256.newDigest();
        CountingStream counted = new CountingStream(new DigestInputStream(raw, sha), progress, layer);
        LayerBudget budget = new LayerBudget(layer, limits, counted::count);
        List<LayerOp> ops = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long newBlobs = 0;
        try (counted) {
            InputStream tarBytes = budget.tar(decompressed(counted, compression));
            TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes);
            for (TarArchiveEntry entry; (entry = budget.next(tar)) != null; ) {
                String path = LayerPaths.normalize(entry.getName(), layer.digest());
                budget.keep(path);
                if (path.isEmpty()) {
                    continue; // the layer's root directory: the volume's root is the assembler's
                }
                String leaf = path.substring(path.lastIndexOf('/') + 1);
                String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
                if (leaf.equals(".wh..wh..opq")) {
                    ops.add(new LayerOp.Opaque(parent));
                    continue;
                }
                if (leaf.startsWith(".wh.")) {
                    ops.add(new LayerOp.Whiteout((parent.isEmpty() ? "" : parent + "/") + leaf.substring(4)));
                    continue;
                }
                int mode = entry.getMode() & 07777;
                long uid = entry.getLongUserId();
                long gid = entry.getLongGroupId();
                if (entry.isDirectory()) {
                    ops.add(new LayerOp.Put(path, new DirEntry(mode, uid, gid)));
                } else if (entry.isSymbolicLink()) {
                    budget.keep(entry.getLinkName());
                    ops.add(new LayerOp.Put(path, new SymlinkEntry(entry.getLinkName(), uid, gid)));
                } else if (entry.isLink()) {
                    String target = LayerPaths.normalize(entry.getLinkName(), layer.digest());
                    budget.keep(target);
                    ops.add(new LayerOp.HardLink(path, target));
                } else if (isRegularFile(entry)) {
                    Cas.Streamed blob = blobs.store(budget.content(tar), mode, uid, gid);
                    newBlobs += blob.fresh() ? 1 : 0;
                    ops.add(new LayerOp.Put(path, new FileEntry(blob.key().digest(), mode, uid, gid)));
                } else {
                    String kind = entry.isCharacterDevice() ? "character device" : entry.isBlockDevice() ? "block device"
                            : entry.isFIFO() ? "fifo" : "entry of tar type '" + (char) entry.getLinkFlag() + "'";
                    warnings.add("skipped " + kind + " " + path + " (layer " + layer.digest().substring(0, 19) + "): "
                            + "a volume holds files, symlinks and directories");
                }
            }
            // Whatever follows the tar's end blocks is part of the layer's bytes and its digest.
            tarBytes.transferTo(java.io.OutputStream.nullOutputStream());
            counted.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            CodedIOException coded = CodedIOException.in(e);
            if (coded != null) {
                throw coded.failure(); // a stall, the deadline, a limit: its own code, whatever reader it passed through
            }
            if (e instanceof TransportFailure) {
                throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, layer.digest(), "the download of layer "
                        + layer.digest() + " broke off after " + counted.count() + " bytes (" + e.getCause().getMessage()
                        + "); the layers finished before it are kept");
            }
            throw new TinyVolException(ErrorCode.DIGEST_MISMATCH, layer.digest(), "layer " + layer.digest()
                    + " is not a readable " + compression.name().toLowerCase(java.util.Locale.ROOT) + " tar after "
                    + counted.count() + " bytes (" + e.getMessage() + "); the registry's copy is damaged", e);
        }
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(layer.digest()) || (layer.size() >= 0 && counted.count() != layer.size())) {
            throw new TinyVolException(ErrorCode.DIGEST_MISMATCH, layer.digest(), "layer " + layer.digest() + " arrived as "
                    + counted.count() + " bytes hashing to " + actual + " (the manifest says " + layer.size()
                    + " bytes): the registry's copy or the network damaged it; nothing of it is used");
        }
        return new Unpacked(List.copyOf(ops), List.copyOf(warnings), counted.count(), newBlobs);
    }

    /** A layer's tar bytes from its bytes as stored. */
    static InputStream decompressed(InputStream layer, MediaTypes.Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> layer;
            case GZIP -> new GzipCompressorInputStream(layer, true);
            case ZSTD -> new ZstdCompressorInputStream(layer);
        };
    }

    /** Regular files by their tar type alone (Commons Compress's isFile() also says yes to devices). */
    static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL
                || flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_OLDNORM
                || flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_CONTIG;
    }

    /**
     * Counts the layer's bytes as they arrive, reports them, and cuts the stream at the size the
     * layer's descriptor declares: a registry that sends more (an endless layer) is refused with
     * LAYER_TOO_LARGE before a byte beyond it is used.
     */
    static final class CountingStream extends ReadThroughStream {
        private final LongConsumer progress;
        private final Descriptor layer;
        private long count;

        CountingStream(InputStream in, LongConsumer progress, Descriptor layer) {
            super(in);
            this.progress = progress;
            this.layer = layer;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (CodedIOException e) {
                throw e;
            } catch (IOException e) {
                throw new TransportFailure(e); // the network's fault, not the layer's
            }
            if (n > 0) {
                count += n;
                if (layer.size() >= 0 && count > layer.size()) {
                    throw new CodedIOException(new TinyVolException(ErrorCode.LAYER_TOO_LARGE, layer.digest(), "the registry "
                            + "sent more than the " + layer.size() + " bytes the manifest declares for layer " + layer.digest()
                            + "; nothing of it is used"));
                }
                progress.accept(count);
            }
            return n;
        }

        long count() {
            return count;
        }
    }

    /** An I/O error of the download itself (reset, time-out), told apart from a damaged layer. */
    private static final class TransportFailure extends IOException {
        private static final long serialVersionUID = 1L;

        TransportFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
