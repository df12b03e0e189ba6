package dev.tinyvol.worker.node;

import dev.tinyvol.worker.assembly.VolumeLister;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    private final Path checkPending;

    public Housekeeping(VolumeService volumes, AnswerStore answers, Duration answerRetention, Path runningMarker,
                        Path checkPending) {
        this.runningMarker = runningMarker;
        this.checkPending = checkPending;
        boolean uncleanStop = Files.exists(runningMarker);
        try {
            if (uncleanStop && !Files.exists(checkPending)) {
                // Written before anything else: a check interrupted by the next crash or stop resumes.
                Files.writeString(checkPending, "");
            }
            Files.writeString(runningMarker, Instant.now() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + runningMarker, e);
        }
        answers.prune(answerRetention);
        thread.scheduleWithFixedDelay(() -> prune(answers, answerRetention), 1, 1, TimeUnit.HOURS);
        recovery = Files.exists(checkPending) ? CompletableFuture.supplyAsync(() -> check(volumes), thread)
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

    /**
     * Checks every recorded volume not checked yet (the pending marker lists those done), holding
     * each volume's lock from check to verdict. Interrupted (the worker is stopping), it leaves the
     * rest for the next start; a failure is logged and the check resumes at the next start too.
     */
    private List<String> check(VolumeService volumes) {
        List<String> found = new ArrayList<>();
        Set<String> done = new HashSet<>();
        try {
            done.addAll(Files.readAllLines(checkPending));
        } catch (IOException e) {
            LOG.error("reading {} failed ({}); checking every volume", checkPending, e.getMessage());
        }
        LOG.warn("the last run did not stop cleanly (crash or power loss): checking every volume it built{}",
                done.isEmpty() ? "" : " (resuming: " + done.size() + " checked before)");
        int checked = 0;
        try {
            List<String> names = volumes.list().stream().filter(VolumeLister.VolumeInfo::recorded)
                    .map(VolumeLister.VolumeInfo::volume).filter(v -> !done.contains(v)).toList();
            for (String volume : names) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new TinyVolException(ErrorCode.INTERRUPTED, volume, "interrupted");
                }
                if (volumes.checkAfterUncleanStop(volume) == VolumeService.CheckVerdict.DAMAGED) {
                    found.add(volume);
                    damaged.incrementAndGet();
                }
                Files.writeString(checkPending, volume + "\n", StandardOpenOption.APPEND);
                checked++;
            }
            Files.deleteIfExists(checkPending);
        } catch (TinyVolException e) {
            if (e.code() == ErrorCode.INTERRUPTED) {
                LOG.warn("the check after an unclean stop was interrupted after {} volumes; the rest are checked at "
                        + "the next start", checked);
            } else {
                LOG.error("the check after an unclean stop failed after {} volumes: {}; it resumes at the next start",
                        checked, e.getMessage());
            }
            return found;
        } catch (IOException | RuntimeException e) {
            LOG.error("the check after an unclean stop failed after {} volumes: {}; it resumes at the next start",
                    checked, e.getMessage(), e);
            return found;
        }
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
