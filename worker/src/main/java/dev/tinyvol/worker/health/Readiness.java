package dev.tinyvol.worker.health;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether the worker can serve: its loop is ready (partitions assigned), the CAS and volumes
 * directories take a new file (a read-only or full filesystem fails this), and the broker answers.
 * Answers are cached for a few seconds: probes come every few seconds from several scrapers.
 */
public final class Readiness {

    private static final long CACHE_MILLIS = 3000;

    private final Supplier<String> loop;
    private final List<Path> directories;
    private final BooleanSupplier brokerAnswers;
    private long checkedAt;
    private String cached;

    public Readiness(Supplier<String> loop, List<Path> directories, BooleanSupplier brokerAnswers) {
        this.loop = loop;
        this.directories = directories;
        this.brokerAnswers = brokerAnswers;
    }

    /** Null when ready, else why not. */
    public synchronized String notReady() {
        String loopProblem = loop.get();
        if (loopProblem != null) {
            return loopProblem;
        }
        if (System.currentTimeMillis() - checkedAt > CACHE_MILLIS) {
            cached = check();
            checkedAt = System.currentTimeMillis();
        }
        return cached;
    }

    private String check() {
        for (Path dir : directories) {
            try {
                Path probe = Files.createTempFile(dir, ".tinyvol-ready", ".probe");
                Files.delete(probe);
            } catch (IOException e) {
                return dir + " is not writable: " + e.getMessage();
            }
        }
        return brokerAnswers.getAsBoolean() ? null : "the Kafka broker does not answer";
    }
}
