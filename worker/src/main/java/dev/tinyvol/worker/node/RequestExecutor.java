package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultError;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.VerifySummary;
import dev.tinyvol.messages.event.VolumeSummary;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.AssemblyReport;
import dev.tinyvol.worker.assembly.PurgeReport;
import dev.tinyvol.worker.assembly.TeardownReport;
import dev.tinyvol.worker.assembly.VerifyReport;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.assembly.ImportMethod;
import dev.tinyvol.worker.assembly.VolumeRecord;
import dev.tinyvol.worker.registry.PullReport;
import dev.tinyvol.worker.registry.SharedPulls;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import dev.tinyvol.worker.tracing.Tracing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries out a valid request against the node's volumes, retrying failures that may pass (bounded,
 * exponential backoff with jitter), failing at once on permanent ones, and describes what happened
 * as a {@link Result}.
 */
public final class RequestExecutor {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestExecutor.class);

    public static final String VERSION = versionOf();

    private final String node;
    private final VolumeService volumes;
    private final RetryConfig retry;
    private final Clock clock;
    private final SharedPulls pulls;
    private final ImportMethod defaultImport;
    private final Tracing tracing;
    private final dev.tinyvol.worker.config.WorkerConfig.Gc gcPolicy;

    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock) {
        this(node, volumes, maxAttempts, backoff, clock, null);
    }

    /** @param pulls how images are pulled, or null on a node that pulls nothing */
    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock, SharedPulls pulls) {
        this(node, volumes, maxAttempts, backoff, clock, pulls, ImportMethod.AUTO);
    }

    /** @param defaultImport the import method of requests that name none ({@code import.method}) */
    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock, SharedPulls pulls,
                           ImportMethod defaultImport) {
        this(node, volumes, maxAttempts, backoff, clock, pulls, defaultImport, Tracing.none());
    }

    /** @param tracing where the link step's span goes (a child of the request's span) */
    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock, SharedPulls pulls,
                           ImportMethod defaultImport, Tracing tracing) {
        this(node, volumes, maxAttempts, backoff, clock, pulls, defaultImport, tracing,
                new dev.tinyvol.worker.config.WorkerConfig.Gc(null, null));
    }

    /** @param gcPolicy a GC request's grace (cas.gc.min.age) and lock wait (cas.gc.lock.wait) */
    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock, SharedPulls pulls,
                           ImportMethod defaultImport, Tracing tracing, dev.tinyvol.worker.config.WorkerConfig.Gc gcPolicy) {
        this.gcPolicy = gcPolicy;
        this.tracing = tracing;
        this.defaultImport = defaultImport;
        this.node = node;
        this.volumes = volumes;
        this.clock = clock;
        this.pulls = pulls;
        this.retry = RetryConfig.custom()
                .maxAttempts(maxAttempts)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(backoff, 2.0, 0.5))
                .retryOnException(RequestExecutor::mayPass)
                .build();
    }

    /** Failures worth another try: I/O hiccups and locks held by someone else. */
    static boolean mayPass(Throwable t) {
        if (t instanceof TinyVolException e) {
            return e.code().isTransient();
        }
        return t instanceof UncheckedIOException;
    }

    /**
     * Starts the pull a request will need, if any (an {@code image}, or a {@code manifestRef} the node
     * lacks that the default repository has), so the request can wait for it without holding a
     * request thread. Cheap: called on the polling thread. Null when nothing is to be pulled.
     */
    public SharedPulls.Claim startPull(Request request) {
        if (pulls == null || request.manifest() != null) {
            return null;
        }
        boolean needsContent = request.action() == dev.tinyvol.messages.event.Action.ASSEMBLE
                || request.action() == dev.tinyvol.messages.event.Action.VERIFY;
        if (!needsContent) {
            return null;
        }
        try {
            if (request.image() != null) {
                return pulls.start(request.image());
            }
            if (request.manifestRef() != null && pulls.imageForRef(request.manifestRef()) != null
                    && !new ManifestStore(volumes.cas()).contains(request.manifestRef())) {
                return pulls.startRef(request.manifestRef());
            }
        } catch (RuntimeException e) {
            // Whatever is wrong (a bad reference) is said by execute, as the request's answer.
            return null;
        }
        return null;
    }

    public Result execute(Request request) {
        return execute(request, null);
    }

    /** Executes a request; {@code claim} is the pull {@link #startPull} started for it, or null. */
    public Result execute(Request request, SharedPulls.Claim claim) {
        java.util.concurrent.atomic.AtomicReference<SharedPulls.Claim> firstTry = new java.util.concurrent.atomic.AtomicReference<>(claim);
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        AtomicInteger attempts = new AtomicInteger();
        ResultBuilder result = ResultBuilder.of(request, node, started);
        try {
            Retry.of("request", retry).executeSupplier(() -> {
                attempts.incrementAndGet();
                result.reset();
                // The pull started for the request serves its first try; a retry pulls anew.
                run(request, result, firstTry.getAndSet(null));
                return null;
            });
        } catch (TinyVolException e) {
            result.fail(new ResultError(e.code().name(), e.path(), e.getMessage()));
        } catch (UncheckedIOException e) {
            TinyVolException t = IoErrors.classify(e.getCause(), request.action().name().toLowerCase(java.util.Locale.ROOT));
            result.fail(new ResultError(t.code().name(), t.path(), t.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed inside the worker", request.action(), request.requestId(), e);
            result.fail(new ResultError(ResultBuilder.INTERNAL, null, "the worker failed on this request ("
                    + e.getMessage() + "); it goes on serving; the worker's log has the details"));
        }
        return result.build(attempts.get(), (System.nanoTime() - t0) / 1_000_000, clock.instant());
    }

    /**
     * The manifest a request names: inline, a stored ref, or an image pulled if the node lacks it;
     * a ref the node lacks is pulled from the default repository when one is configured. What a pull
     * gives is the tree it produced, never the ref loaded by name again (another pull or an ingest may
     * have written that name since).
     */
    private Manifest manifestFor(Request request, ResultBuilder out, SharedPulls.Claim claim) {
        if (request.manifest() != null) {
            return request.manifest();
        }
        if (request.image() != null) {
            return pulled(out, claim != null ? claim::report : () -> requirePulls(request).pull(request.image())).manifest();
        }
        if (claim != null) {
            return pulled(out, claim::report).manifest();
        }
        ManifestStore refs = new ManifestStore(volumes.cas());
        if (pulls != null && pulls.imageForRef(request.manifestRef()) != null && !refs.contains(request.manifestRef())) {
            return pulled(out, () -> pulls.pullRef(request.manifestRef())).manifest();
        }
        return refs.load(request.manifestRef());
    }

    private SharedPulls requirePulls(Request request) {
        if (pulls == null) {
            throw new TinyVolException(dev.tinyvol.worker.errors.ErrorCode.IMAGE_NOT_FOUND, request.image(),
                    "this worker pulls no images (it was started without registry settings)");
        }
        return pulls;
    }

    private static PullReport pulled(ResultBuilder out, java.util.function.Supplier<PullReport> pull) {
        PullReport report = pull.get();
        out.imageDigest = report.imageDigest();
        out.pulledLayers = report.pulledLayers();
        out.pulledBytes = report.pulledBytes();
        out.pullMs = report.durationMs();
        out.warnings.addAll(report.warnings());
        return report;
    }

    private void run(Request request, ResultBuilder out, SharedPulls.Claim claim) {
        Runnable noWait = () -> { };
        switch (request.action()) {
            case ASSEMBLE -> {
                Manifest manifest = manifestFor(request, out, claim);
                String source = request.image() != null ? "image:" + request.image()
                        : request.manifestRef() != null ? "ref:" + request.manifestRef() : "inline";
                ImportMethod method = request.options().importMethod() == null ? defaultImport
                        : ImportMethod.parse(request.options().importMethod());
                io.micrometer.tracing.Span link = tracing.startChild(null, "tinyvol link");
                AssemblyReport r;
                try (Tracing.Scope scope = tracing.open(link)) {
                    r = volumes.assemble(request.volume(), manifest, source,
                            new AssemblyOptions(request.options().replace(), request.options().copyFallback(), method,
                                    request.options().readOnly()),
                            Progress.NONE, noWait);
                    link.tag("tinyvol.outcome", r.outcome().name()).tag("tinyvol.import_method", r.importMethod().text())
                            .tag("tinyvol.files_linked", String.valueOf(r.filesLinked()))
                            .tag("tinyvol.files_cloned", String.valueOf(r.filesCloned()))
                            .tag("tinyvol.bytes", String.valueOf(r.bytes()));
                } catch (RuntimeException e) {
                    link.error(e);
                    throw e;
                } finally {
                    link.end();
                }
                out.importMethod = r.importMethod().text();
                out.filesCloned = r.filesCloned();
                out.protection = r.protection();
                out.outcome = r.outcome().name();
                out.targetDir = r.targetDir();
                out.filesLinked = r.filesLinked();
                out.filesCopied = r.filesCopied();
                out.symlinks = r.symlinks();
                out.dirsCreated = r.dirsCreated();
                out.bytes = r.bytes();
                out.warnings.addAll(r.warnings());
                if (request.options().verify()) {
                    verify(out, request, volumes.verify(request.volume(), manifest, false));
                }
            }
            case TEARDOWN -> {
                TeardownReport r = volumes.teardown(request.volume(), noWait);
                out.outcome = r.outcome().name();
                out.targetDir = volumes.volumes().root().resolve(request.volume()).toString();
                out.warnings.addAll(r.warnings());
            }
            case VERIFY -> {
                Manifest manifest = request.manifest() == null && request.manifestRef() == null && request.image() == null
                        ? null : manifestFor(request, out, claim);
                boolean deep = request.options().verify();
                out.protection = volumes.volumes().record(request.volume()).map(VolumeRecord::protection).orElse(null);
                out.targetDir = volumes.volumes().root().resolve(request.volume()).toString();
                verify(out, request, manifest == null ? volumes.verify(request.volume(), deep)
                        : volumes.verify(request.volume(), manifest, deep));
            }
            case LIST -> {
                // A page in name order; nextPage says where the next begins (docs/events.md, "Paging of LIST").
                var page = volumes.list(request.options().after(), request.options().pageSize());
                page.volumes().forEach(v -> out.volumes.add(new VolumeSummary(v.volume(), v.manifestName(),
                        v.manifestId(), v.files(), v.bytes(), v.createdAt(), v.importMethod(), v.protection())));
                out.volumesTotal = page.total();
                out.nextPage = page.next();
            }
            case PURGE -> {
                PurgeReport r = volumes.purge(request.options().dryRun(), noWait);
                for (TeardownReport t : r.volumes()) {
                    out.volumes.add(new VolumeSummary(t.volume(), null, null, t.filesRemoved(), -1, null));
                    out.warnings.addAll(t.warnings());
                }
                for (PurgeReport.Failure f : r.failures()) {
                    out.fail(new ResultError(f.code(), f.volume(), f.message()));
                }
                out.outcome = request.options().dryRun() ? "WOULD_REMOVE" : "REMOVED";
            }
            case GC -> {
                // A barrier like PURGE; within it, the CAS lock keeps it apart from pulls and ingests too.
                // Another process holding the store makes it FAILED with STORE_BUSY (after cas.gc.lock.wait).
                var r = new dev.tinyvol.worker.cas.GarbageCollector(volumes.cas(), volumes.volumes()::manifestsInUse,
                        gcPolicy.minAge(), gcPolicy.lockWait()).collect(request.options().dryRun());
                out.warnings.addAll(r.warnings());
                out.outcome = request.options().dryRun() ? "WOULD_REMOVE" : "COLLECTED";
                out.bytes = r.bytesReclaimed();
                out.gc = new dev.tinyvol.messages.event.GcSummary(r.blobsRemoved(), r.instancesRemoved(), r.bytesReclaimed(),
                        r.liveInstances());
            }
        }
    }

    private static void verify(ResultBuilder out, Request request, VerifyReport r) {
        out.verify = new VerifySummary(r.deep(), r.verified(), r.mismatched(), r.missing(), r.extra(),
                r.problems().stream().map(p -> p.kind() + " " + p.path() + ": " + p.detail()).toList());
        if (!r.clean()) {
            out.fail(new ResultError("VERIFY_MISMATCH", request.volume(), r.mismatched() + " mismatched, " + r.missing()
                    + " missing, " + r.extra() + " extra"));
        }
    }

    private static String versionOf() {
        String v = RequestExecutor.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

}
