package dev.tinyvol.messages.event;

import java.util.List;

/**
 * @param replace      ASSEMBLE: rebuild a volume that holds another manifest (default false)
 * @param copyFallback ASSEMBLE: copy files that cannot be linked, with a warning (default true)
 * @param verify       ASSEMBLE: verify the volume after building it (default false); VERIFY: hash every file
 * @param dryRun       PURGE, GC: list what would be removed (default false)
 * @param importMethod ASSEMBLE: auto, clone, hardlink or copy; null: the worker's import.method
 * @param readOnly     ASSEMBLE: bind-mount the volume read-only onto itself once built (default false)
 */
public record RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun, String importMethod,
                             boolean readOnly) {

    /** The import methods, as pnpm names them: clone where the filesystem can (auto), or one of the others. */
    public static final List<String> IMPORT_METHODS = List.of("auto", "clone", "hardlink", "copy");

    public static final RequestOptions DEFAULTS = new RequestOptions(false, true, false, false, null, false);

    public RequestOptions {
        if (importMethod != null && !IMPORT_METHODS.contains(importMethod)) {
            throw new IllegalArgumentException("importMethod must be one of " + IMPORT_METHODS + ", got \"" + importMethod + "\"");
        }
    }

    /** Options without an import method or read-only (those of schema 1 requests). */
    public RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun) {
        this(replace, copyFallback, verify, dryRun, null, false);
    }
}
