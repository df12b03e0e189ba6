package dev.tinyvol.messages.event;

import java.util.List;

/**
 * @param replace      ASSEMBLE: rebuild a volume that holds another manifest (default false)
 * @param copyFallback ASSEMBLE: copy files that cannot be linked, with a warning (default true)
 * @param verify       ASSEMBLE: verify the volume after building it (default false); VERIFY: hash every file
 * @param dryRun       PURGE, GC: list what would be removed (default false)
 * @param importMethod ASSEMBLE: auto, clone, hardlink or copy; null: the worker's import.method
 * @param readOnly     ASSEMBLE: bind-mount the volume read-only onto itself once built (default false)
 * @param after        LIST: list only volumes whose names sort after this one (a previous page's
 *                     {@code nextPage}); null: from the first
 * @param limit        LIST: at most this many volumes in the page ({@value #MAX_LIMIT} at most); 0: the
 *                     worker's page size ({@value #DEFAULT_LIMIT}). A page may hold fewer when the worker's
 *                     record size limit demands it; {@code nextPage} then says where to go on
 */
public record RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun, String importMethod,
                             boolean readOnly, String after, int limit) {

    /** Volumes in a LIST page when the request names no limit. */
    public static final int DEFAULT_LIMIT = 1000;
    /** The largest page a LIST may ask for. */
    public static final int MAX_LIMIT = 10_000;

    /** The import methods, as pnpm names them: clone where the filesystem can (auto), or one of the others. */
    public static final List<String> IMPORT_METHODS = List.of("auto", "clone", "hardlink", "copy");

    public static final RequestOptions DEFAULTS = new RequestOptions(false, true, false, false, null, false, null, 0);

    public RequestOptions {
        if (importMethod != null && !IMPORT_METHODS.contains(importMethod)) {
            throw new IllegalArgumentException("importMethod must be one of " + IMPORT_METHODS + ", got \"" + importMethod + "\"");
        }
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 0 (the worker's page size) and " + MAX_LIMIT
                    + ", got " + limit);
        }
    }

    /** Options without LIST paging (what every sender before pages wrote). */
    public RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun, String importMethod,
                          boolean readOnly) {
        this(replace, copyFallback, verify, dryRun, importMethod, readOnly, null, 0);
    }

    /** A LIST page: the volumes after {@code after} (null: from the first), at most {@code limit} (0: the worker's). */
    public static RequestOptions page(String after, int limit) {
        return new RequestOptions(false, true, false, false, null, false, after, limit);
    }

    /** The page size a LIST with these options gets. */
    public int pageSize() {
        return limit == 0 ? DEFAULT_LIMIT : limit;
    }

    /** Options without an import method or read-only (those of schema 1 requests). */
    public RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun) {
        this(replace, copyFallback, verify, dryRun, null, false);
    }
}
