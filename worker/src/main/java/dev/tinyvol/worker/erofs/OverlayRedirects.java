package dev.tinyvol.worker.erofs;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;

/**
 * The overlayfs extended attributes of a metadata-only file. The redirect is built here from the
 * entry's digest, mode and owner, never taken from input: it names the blob instance as an
 * absolute path inside the CAS objects directory (the data-only layer). A relative redirect makes
 * even stat fail; a wrong namespace ({@code user.} vs {@code trusted.}) reads zeros silently.
 */
final class OverlayRedirects {

    private OverlayRedirects() {
    }

    /** {@code trusted.overlay.metacopy}: empty value, shared by every file. */
    static final Xattr METACOPY = Xattr.trusted("overlay.metacopy", new byte[0]);

    static Xattr redirect(FileEntry entry) {
        return Xattr.trusted("overlay.redirect", redirectPath(entry).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** {@code /ab/<digest>} or {@code /ab/<digest>.<mode>.<uid>.<gid>}. */
    static String redirectPath(FileEntry entry) {
        return "/" + Cas.instanceName(BlobKey.of(entry));
    }
}
