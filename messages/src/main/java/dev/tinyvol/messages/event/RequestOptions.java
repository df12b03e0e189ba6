package dev.tinyvol.messages.event;

/**
 * @param replace      ASSEMBLE: rebuild a volume that holds another manifest (default false)
 * @param copyFallback ASSEMBLE: copy files that cannot be linked, with a warning (default true)
 * @param verify       ASSEMBLE: verify the volume after building it (default false); VERIFY: hash every file
 * @param dryRun       PURGE: list what would be removed (default false)
 */
public record RequestOptions(boolean replace, boolean copyFallback, boolean verify, boolean dryRun) {

    public static final RequestOptions DEFAULTS = new RequestOptions(false, true, false, false);
}
