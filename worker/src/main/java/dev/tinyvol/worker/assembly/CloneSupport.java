package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.DirFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether volumes can be cloned from the CAS: asked once per pair of filesystems (the CAS's and a
 * staging directory's) by cloning a probe file, since only the kernel knows (XFS needs reflink,
 * which mkfs.xfs turns on by default; btrfs always can; ext4 and tmpfs cannot; no filesystem clones
 * across filesystems). Resolves {@link ImportMethod#AUTO} and refuses CLONE where it cannot work.
 */
final class CloneSupport {

    private final Cas cas;
    private final Map<String, Boolean> byFilesystems = new ConcurrentHashMap<>();

    CloneSupport(Cas cas) {
        this.cas = cas;
    }

    /** CLONE, HARDLINK or COPY for a build into {@code staging}. */
    ImportMethod resolve(ImportMethod asked, DirFd objects, Path staging) {
        if (asked == ImportMethod.HARDLINK || asked == ImportMethod.COPY) {
            return asked;
        }
        boolean can = canClone(objects, staging);
        if (asked == ImportMethod.CLONE && !can) {
            throw new TinyVolException(ErrorCode.CLONE_UNSUPPORTED, staging.getParent().getParent().getParent().toString(),
                    "importMethod clone: the volumes directory's filesystem cannot clone files from the CAS's ("
                            + cas.root() + "); clones need both on one XFS (with reflink) or btrfs filesystem. "
                            + "Use auto to clone where possible and hard link elsewhere");
        }
        return can ? ImportMethod.CLONE : ImportMethod.HARDLINK;
    }

    private boolean canClone(DirFd objects, Path staging) {
        String key;
        try {
            key = objects.stat().device() + ":" + dev.tinyvol.worker.posix.PosixFiles.lstat(staging).device();
        } catch (IOException e) {
            throw IoErrors.classify(e, staging.toString(), "looking at the staging directory");
        }
        return byFilesystems.computeIfAbsent(key, k -> probe(staging));
    }

    /** Clones a one-byte file from the CAS's tmp/ into staging; any failure means "cannot". */
    private boolean probe(Path staging) {
        Path source = null;
        try {
            source = Files.createTempFile(cas.tmpDir(), "clone-probe.", "");
            Files.write(source, new byte[] {'x'});
            try (DirFd from = DirFd.open(source.getParent()); DirFd to = DirFd.open(staging)) {
                String name = ".clone-probe";
                to.cloneFrom(from, source.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                to.unlink(name);
                return true;
            } catch (IOException e) {
                return false;
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.tmpDir().toString(), "making a probe file in the CAS");
        } finally {
            if (source != null) {
                try {
                    Files.deleteIfExists(source);
                } catch (IOException ignored) {
                    // a leftover in tmp/ is swept by the next gc
                }
            }
        }
    }
}
