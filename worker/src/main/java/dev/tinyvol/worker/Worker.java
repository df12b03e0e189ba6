package dev.tinyvol.worker;

import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.health.OpsServer;
import dev.tinyvol.worker.health.Readiness;
import dev.tinyvol.worker.kafka.BrokerProbe;
import dev.tinyvol.worker.kafka.WorkerLoop;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.AnswerStore;
import dev.tinyvol.worker.node.Housekeeping;
import dev.tinyvol.worker.node.RequestExecutor;
import dev.tinyvol.worker.node.RequestHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's worker, wired: the CAS and volumes (created if missing, leftovers of a dead process
 * cleaned), housekeeping, the answer store, the request handler, the Kafka loop over them, and the
 * metrics and health endpoints.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final VolumeService volumes;
    private final Housekeeping housekeeping;
    private final WorkerLoop loop;
    private final WorkerMetrics metrics;
    private final BrokerProbe broker;
    private final OpsServer ops;
    private final dev.tinyvol.worker.registry.SharedPulls pulls;
    private final dev.tinyvol.worker.node.StoreUpkeep upkeep;
    private final dev.tinyvol.worker.tracing.Tracing tracing;

    public Worker(WorkerConfig config) {
        this(config, dev.tinyvol.worker.tracing.Tracing.create(config.node(), config.otlpEndpoint()));
    }

    /** With the caller's tracing (tests read the spans); closed with the worker. */
    public Worker(WorkerConfig config, dev.tinyvol.worker.tracing.Tracing tracing) {
        this.tracing = tracing;
        // One line, so the settings a worker ran with are one grep away in any log.
        LOG.info("TinyVol worker {} for node {}; settings: {}", dev.tinyvol.worker.node.RequestExecutor.VERSION, config.node(),
                String.join(", ", config.describe()));
        config.warnings().forEach(w -> LOG.warn("{}", w));
        Cas cas = Cas.create(config.casDir());
        VolumeStore store = VolumeStore.open(config.volumesDir());
        this.volumes = new VolumeService(cas, store, config.fileThreads());
        int cleaned = volumes.cleanLeftovers();
        if (cleaned > 0) {
            LOG.info("removed {} staging or trash directories left by an earlier process", cleaned);
        }
        List<String> remounted = volumes.restoreReadOnlyMounts();
        if (!remounted.isEmpty()) {
            LOG.info("mounted {} read-only volumes read-only again: {}", remounted.size(), remounted);
        }
        AnswerStore answers = new AnswerStore(store.root().resolve(".tinyvol/answers"));
        this.housekeeping = new Housekeeping(volumes, answers, config.answerRetention(), store.runningMarker(),
                store.checkPendingMarker());
        try {
            this.metrics = new WorkerMetrics(config.node());
            metrics.damagedVolumes(housekeeping::damagedVolumes);
            metrics.freeSpace("cas", cas.root());
            metrics.freeSpace("volumes", store.root());
            this.upkeep = new dev.tinyvol.worker.node.StoreUpkeep(cas, store, config.gc(), java.time.Duration.ofMinutes(1),
                    (trigger, r) -> metrics.collected(trigger.name().toLowerCase(java.util.Locale.ROOT), r.bytesReclaimed(), r.durationMs()));
            metrics.storeSize(upkeep::size);
            var protection = new dev.tinyvol.worker.node.ProtectionCounts(volumes);
            metrics.protection(protection::get, dev.tinyvol.worker.node.ProtectionCounts.KINDS);
            metrics.lastFsck(() -> dev.tinyvol.worker.cas.FsckRecord.last(cas.root()));
            Clock clock = Clock.systemUTC();
            this.pulls = pulls(config, cas, metrics, tracing);
            RequestExecutor executor = new RequestExecutor(config.node(), volumes, config.maxAttempts(), config.retryBackoff(), clock,
                    pulls, dev.tinyvol.worker.assembly.ImportMethod.parse(config.importMethod()), tracing, config.gc());
            this.loop = new WorkerLoop(config, new RequestHandler(config.node(), executor, answers, clock), clock, metrics, tracing);
            if (config.httpPort() == 0) {
                this.broker = null;
                this.ops = null;
            } else {
                this.broker = new BrokerProbe(config);
                Readiness readiness = new Readiness(loop::notReady, List.of(cas.tmpDir(), store.root()), broker::answers);
                this.ops = new OpsServer(config.httpHost(), config.httpPort(), new OpsServer.Probe() {
                    @Override
                    public String notLive() {
                        return loop.notLive();
                    }

                    @Override
                    public String notReady() {
                        return readiness.notReady();
                    }

                    @Override
                    public String readyDetail() {
                        return protection.describe() + "; import.method " + config.importMethod() + "\n";
                    }
                }, metrics::scrape);
                LOG.info("metrics and health on http://{}:{}/metrics, /health/live, /health/ready", config.httpHost(), ops.port());
            }
        } catch (RuntimeException | Error e) {
            // A start that failed (a busy http.port, a bad setting found late) ran nothing: it is no
            // unclean stop, and the next start must not say so. A check still pending stays pending.
            housekeeping.close();
            housekeeping.stoppedCleanly();
            throw e;
        }
    }

    /** The Prometheus text of this worker's meters. */
    public String scrape() {
        return metrics.scrape();
    }

    /** How this worker pulls images, from its registry.* settings. */
    private static dev.tinyvol.worker.registry.SharedPulls pulls(WorkerConfig config, Cas cas, WorkerMetrics metrics,
                                                                 dev.tinyvol.worker.tracing.Tracing tracing) {
        WorkerConfig.Registry r = config.registry();
        if (r.defaultRepository() != null) {
            try {
                metrics.pullMeters(dev.tinyvol.worker.registry.ImageReference.parse(r.defaultRepository() + ":latest").registry());
            } catch (RuntimeException unparsable) {
                // Said when a pull first uses it.
            }
        }
        var auth = r.config() == null ? dev.tinyvol.worker.registry.RegistryAuth.ANONYMOUS
                : dev.tinyvol.worker.registry.RegistryAuth.fromDockerConfig(r.config());
        var settings = new dev.tinyvol.worker.registry.RegistrySettings(r.insecure(), r.caFile(),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(5), r.limits());
        var puller = new dev.tinyvol.worker.registry.ImagePuller(cas, new dev.tinyvol.worker.registry.RegistryClient(settings, auth),
                r.layers(), dev.tinyvol.worker.registry.Mirrors.parse(r.mirrors()));
        return new dev.tinyvol.worker.registry.SharedPulls(puller, dev.tinyvol.worker.registry.RegistrySettings.currentPlatform(),
                r.defaultRepository(), r.pulls(), (image, report) -> metrics.pulled(image.registry(), report.pulledLayers(),
                        report.pulledBytes(), report.durationMs()), tracing);
    }

    /** Runs until {@link #stop()} or fencing; returns how it ended. */
    public WorkerLoop.Exit run() {
        loop.run();
        return loop.exit();
    }

    /** The volumes found damaged by the check after an unclean stop (empty if the last stop was clean). */
    public CompletableFuture<List<String>> recovery() {
        return housekeeping.recovery();
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

    /** As {@link #stop()}, saying why in the log (a signal, an operator). */
    public void stop(String why) {
        LOG.info("stopping: {}; finishing running requests (up to shutdown.grace), then committing", why);
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
        housekeeping.close();
        upkeep.close();
        pulls.close();
        if (loop.exit() == WorkerLoop.Exit.STOPPED && loop.notLive() != null) {
            housekeeping.stoppedCleanly();
        }
        if (ops != null) {
            ops.close();
            broker.close();
        }
        volumes.close();
        tracing.close();
    }
}
