package dev.tinyvol.worker;

import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.health.OpsServer;
import dev.tinyvol.worker.health.Readiness;
import dev.tinyvol.worker.kafka.BrokerProbe;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import java.util.List;
import dev.tinyvol.worker.kafka.WorkerLoop;
import dev.tinyvol.worker.node.AnswerStore;
import dev.tinyvol.worker.node.RequestExecutor;
import dev.tinyvol.worker.node.RequestHandler;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's worker, wired: the CAS and volumes (created if missing, leftovers of a dead process
 * cleaned), the answer store, the request handler and the Kafka loop over them.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final VolumeService volumes;
    private final WorkerLoop loop;
    private final WorkerMetrics metrics;
    private final BrokerProbe broker;
    private final OpsServer ops;
    private final java.util.concurrent.ScheduledExecutorService housekeeping;
    private final java.util.concurrent.atomic.AtomicInteger damaged = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CompletableFuture<List<String>> recovery;
    private final java.nio.file.Path runningMarker;

    public Worker(WorkerConfig config) {
        Cas cas = Cas.create(config.casDir());
        VolumeStore store = VolumeStore.open(config.volumesDir());
        this.volumes = new VolumeService(cas, store, config.fileThreads());
        this.runningMarker = store.runningMarker();
        boolean uncleanStop = java.nio.file.Files.exists(runningMarker);
        try {
            java.nio.file.Files.writeString(store.runningMarker(), java.time.Instant.now() + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("writing " + store.runningMarker(), e);
        }
        int cleaned = volumes.cleanLeftovers();
        if (cleaned > 0) {
            LOG.info("removed {} staging or trash directories left by an earlier process", cleaned);
        }
        AnswerStore answers = new AnswerStore(store.root().resolve(".tinyvol/answers"));
        answers.prune(config.answerRetention());
        // Answers older than the retention are forgotten hourly too, not only at start-up.
        this.housekeeping = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyvol-housekeeping");
            t.setDaemon(true);
            return t;
        });
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                int pruned = answers.prune(config.answerRetention());
                if (pruned > 0) {
                    LOG.info("forgot {} answers older than {}", pruned, config.answerRetention());
                }
            } catch (RuntimeException e) {
                LOG.warn("pruning answers failed: {}", e.getMessage());
            }
        }, 1, 1, java.util.concurrent.TimeUnit.HOURS);
        Clock clock = Clock.systemUTC();
        RequestExecutor executor = new RequestExecutor(config.node(), volumes, config.maxAttempts(), config.retryBackoff(), clock);
        this.metrics = new WorkerMetrics(config.node());
        metrics.damagedVolumes(damaged::get);
        this.recovery = !uncleanStop ? java.util.concurrent.CompletableFuture.completedFuture(List.of())
                : java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    LOG.warn("the last run did not stop cleanly (crash or power loss): checking every volume it built");
                    List<String> found = volumes.checkAfterUncleanStop();
                    damaged.set(found.size());
                    if (found.isEmpty()) {
                        LOG.info("checked the volumes after an unclean stop: all whole");
                    } else {
                        LOG.error("volumes not whole after an unclean stop: {}; their records are set aside, so assembling "
                                + "them is refused until they are replaced (options.replace) or torn down", found);
                    }
                    return found;
                }, housekeeping);
        metrics.freeSpace("cas", cas.root());
        metrics.freeSpace("volumes", store.root());
        this.loop = new WorkerLoop(config, new RequestHandler(config.node(), executor, answers, clock), clock, metrics);
        if (config.httpPort() == 0) {
            this.broker = null;
            this.ops = null;
        } else {
            this.broker = new BrokerProbe(config);
            Readiness readiness = new Readiness(loop::notReady, List.of(cas.tmpDir(), store.root()), broker::answers);
            this.ops = new OpsServer(config.httpPort(), new OpsServer.Probe() {
                @Override
                public String notLive() {
                    return loop.notLive();
                }

                @Override
                public String notReady() {
                    return readiness.notReady();
                }
            }, metrics::scrape);
            LOG.info("metrics and health on http://0.0.0.0:{}/metrics, /health/live, /health/ready", ops.port());
        }
    }

    /** The Prometheus text of this worker's meters. */
    public String scrape() {
        return metrics.scrape();
    }

    /** Runs until {@link #stop()} or fencing; returns how it ended. */
    public WorkerLoop.Exit run() {
        loop.run();
        return loop.exit();
    }

    /** The volumes found damaged by the check after an unclean stop (empty if the last stop was clean). */
    public java.util.concurrent.CompletableFuture<List<String>> recovery() {
        return recovery;
    }

    /** How often the consumer's partitions were revoked or lost since start. */
    public int partitionsTakenAway() {
        return loop.partitionsTakenAway();
    }

    /** How {@link #run()} ended (STOPPED while it is still running). */
    public WorkerLoop.Exit exit() {
        return loop.exit();
    }

    public void stop() {
        loop.stop();
    }

    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return loop.awaitFinished(timeout);
    }

    public boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return loop.awaitAssigned(timeout);
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        if (loop.exit() == WorkerLoop.Exit.STOPPED && loop.notLive() != null) {
            try {
                java.nio.file.Files.deleteIfExists(runningMarker); // a clean stop
            } catch (java.io.IOException e) {
                LOG.warn("could not remove {}: the next start will check every volume", runningMarker);
            }
        }
        if (ops != null) {
            ops.close();
            broker.close();
        }
        volumes.close();
    }
}
