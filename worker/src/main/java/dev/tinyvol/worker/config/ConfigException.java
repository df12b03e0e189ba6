package dev.tinyvol.worker.config;

import java.util.List;

/**
 * Configuration keys that are missing or wrong, each with what to do about it: every problem of a
 * file at once (a fix-one-rerun-find-the-next loop costs an operator a start per key), and the
 * warnings about unknown keys beside them, since a mistyped key is often why a required one is missing.
 */
public final class ConfigException extends RuntimeException {

    private final String key;
    private final List<ConfigException> problems;
    private final List<String> warnings;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problems = List.of();
        this.warnings = List.of();
    }

    private ConfigException(List<ConfigException> problems, List<String> warnings) {
        super(String.join("; ", problems.stream().map(Throwable::getMessage).toList()));
        this.key = problems.get(0).key();
        this.problems = List.copyOf(problems);
        this.warnings = List.copyOf(warnings);
    }

    /** Every problem found (at least one), with the warnings about keys that name no setting. */
    public static ConfigException all(List<ConfigException> problems, List<String> warnings) {
        return problems.size() == 1 && warnings.isEmpty() ? problems.get(0) : new ConfigException(problems, warnings);
    }

    /** The key of the first problem. */
    public String key() {
        return key;
    }

    /** Each problem, one line each ("key: what is wrong and what to do"). */
    public List<String> lines() {
        return problems.isEmpty() ? List.of(getMessage()) : problems.stream().map(Throwable::getMessage).toList();
    }

    /** Unknown keys and variables, each with the closest real one. */
    public List<String> warnings() {
        return warnings;
    }
}
