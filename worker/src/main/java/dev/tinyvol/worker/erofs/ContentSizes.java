package dev.tinyvol.worker.erofs;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;

/**
 * The size of each file's content. A manifest names content by digest only, and an image must hold
 * exact sizes: overlayfs takes {@code st_size} from the image but reads the whole blob.
 */
@FunctionalInterface
public interface ContentSizes {

    long sizeOf(FileEntry entry) throws IOException;

    /** Sizes from the store: the instance each file redirects to (one statx each). */
    static ContentSizes of(Cas cas) {
        return entry -> PosixFiles.lstat(cas.instancePath(BlobKey.of(entry))).size();
    }
}
