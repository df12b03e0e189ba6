package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;

/**
 * The files of a tree volumes get a private copy of (a v2 entry's {@code "copy": true}), chosen at
 * ingest or pull by globs over manifest paths ({@code etc/machine-id}, {@code var/lib/db/**}): the
 * files a workload is known to rewrite in place, which must never be linked to a shared blob.
 */
public final class CopyPaths {

    public static final CopyPaths NONE = new CopyPaths(List.of());

    private final List<PathMatcher> matchers;
    private final List<String> globs;

    private CopyPaths(List<String> globs) {
        this.globs = List.copyOf(globs);
        this.matchers = globs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }

    /** Globs as {@link java.nio.file.FileSystem#getPathMatcher} reads them, over paths without a leading '/'. */
    public static CopyPaths of(List<String> globs) {
        for (String g : globs) {
            if (g.isBlank() || g.startsWith("/")) {
                throw new TinyVolException(ErrorCode.INVALID_PATH, g, "copy path \"" + g + "\" must be a glob over paths "
                        + "inside the tree, without a leading '/', e.g. etc/machine-id or var/lib/db/**");
            }
            try {
                FileSystems.getDefault().getPathMatcher("glob:" + g);
            } catch (IllegalArgumentException e) {
                throw new TinyVolException(ErrorCode.INVALID_PATH, g, "copy path \"" + g + "\" is not a glob: " + e.getMessage());
            }
        }
        return new CopyPaths(globs);
    }

    public boolean isEmpty() {
        return matchers.isEmpty();
    }

    /** Marks the matching file entries {@code copy}, in place; returns how many matched. */
    public int mark(Map<String, ManifestEntry> entries) {
        if (matchers.isEmpty()) {
            return 0;
        }
        int marked = 0;
        for (Map.Entry<String, ManifestEntry> e : entries.entrySet()) {
            if (e.getValue() instanceof FileEntry f && matches(e.getKey())) {
                e.setValue(f.withCopy(true));
                marked++;
            }
        }
        return marked;
    }

    private boolean matches(String path) {
        Path p = Path.of(path);
        return matchers.stream().anyMatch(m -> m.matches(p));
    }

    @Override
    public String toString() {
        return String.join(",", globs);
    }
}
