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

    public Worker(WorkerConfig config) {
        Cas cas = Cas.create(config.casDir());
        VolumeStore store = VolumeStore.open(config.volumesDir());
        this.volumes = new VolumeService(cas, store, config.fileThreads());
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
        if (ops != null) {
            ops.close();
            broker.close();
        }
        volumes.close();
    }
}
