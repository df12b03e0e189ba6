package dev.tinyvol.worker.assembly;

import java.time.Instant;
import java.util.List;

/**
 * What a volume was built from, written when it is assembled: {@code list} reports it and
 * {@code verify} without a manifest uses it. Linux has no portable birth time, so {@code createdAt}
 * is recorded here rather than read from the tree.
 *
 * @param manifestId  identity of the manifest (sha256 of its canonical form)
 * @param source      where the manifest came from: {@code ref:<name>}, {@code file:<path>} or {@code inline}
 * @param copiedPaths files that are copies rather than links (copy fallback)
 * @param importMethod how its files came in (clone, hardlink, copy); null in records written before
 *                     import methods existed (hard links)
 * @param hardLinked  files that share a blob's inode
 * @param readOnly    bind-mounted read-only onto itself (restored at the worker's start if gone)
 */
public record VolumeRecord(String volume, String manifestId, String manifestName, String source, long files,
                           long symlinks, long dirs, long bytes, Instant createdAt, List<String> copiedPaths,
                           String importMethod, long hardLinked, boolean readOnly) {

    public VolumeRecord {
        copiedPaths = copiedPaths == null ? List.of() : List.copyOf(copiedPaths);
    }

    /** The same record with another read-only flag. */
    public VolumeRecord withReadOnly(boolean ro) {
        return new VolumeRecord(volume, manifestId, manifestName, source, files, symlinks, dirs, bytes, createdAt, copiedPaths,
                importMethod, hardLinked, ro);
    }

    /** Whether no file of the volume shares a blob's inode: each is a clone or a copy, checked by content. */
    public boolean privateFiles() {
        return importMethod != null && !importMethod.equals("hardlink") && hardLinked == 0;
    }

    public String protection() {
        return ImportMethod.protection(readOnly, importMethod == null ? null : ImportMethod.parse(importMethod), hardLinked);
    }
}
