package dev.tinyvol.worker.node;

import dev.tinyvol.worker.assembly.VolumeService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's background chores: forgetting answers past their retention (hourly), and, when the
 * last run did not stop cleanly (its running marker is still there), checking every volume it
 * built and setting aside the records of those that are not whole.
 */
public final class Housekeeping implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

    private final Path runningMarker;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tinyvol-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger damaged = new AtomicInteger();
    private final CompletableFuture<List<String>> recovery;

    public Housekeeping(VolumeService volumes, AnswerStore answers, Duration answerRetention, Path runningMarker) {
        this.runningMarker = runningMarker;
        boolean uncleanStop = Files.exists(runningMarker);
        try {
            Files.writeString(runningMarker, Instant.now() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + runningMarker, e);
        }
        answers.prune(answerRetention);
        thread.scheduleWithFixedDelay(() -> prune(answers, answerRetention), 1, 1, TimeUnit.HOURS);
        recovery = uncleanStop ? CompletableFuture.supplyAsync(() -> check(volumes), thread)
                : CompletableFuture.completedFuture(List.of());
    }

    /** The volumes found not whole after an unclean stop (empty after a clean one). */
    public CompletableFuture<List<String>> recovery() {
        return recovery;
    }

    public int damagedVolumes() {
        return damaged.get();
    }

    /** Records a clean stop: the next start need not check the volumes. */
    public void stoppedCleanly() {
        try {
            Files.deleteIfExists(runningMarker);
        } catch (IOException e) {
            LOG.warn("could not remove {}: the next start will check every volume", runningMarker);
        }
    }

    private List<String> check(VolumeService volumes) {
        LOG.warn("the last run did not stop cleanly (crash or power loss): checking every volume it built");
        List<String> found = volumes.checkAfterUncleanStop();
        damaged.set(found.size());
        if (found.isEmpty()) {
            LOG.info("checked the volumes after an unclean stop: all whole");
        } else {
            LOG.error("volumes not whole after an unclean stop: {}; their records are set aside, so assembling them is "
                    + "refused until they are replaced (options.replace) or torn down", found);
        }
        return found;
    }

    private static void prune(AnswerStore answers, Duration retention) {
        try {
            int pruned = answers.prune(retention);
            if (pruned > 0) {
                LOG.info("forgot {} answers older than {}", pruned, retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("pruning answers failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
