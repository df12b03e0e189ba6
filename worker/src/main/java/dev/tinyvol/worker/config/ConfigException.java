package dev.tinyvol.worker.config;

/** A configuration key that is missing or wrong, with what to do about it. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
