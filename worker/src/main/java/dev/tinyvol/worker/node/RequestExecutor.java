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
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
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

    public static final String VERSION = versionOf();

    private final String node;
    private final VolumeService volumes;
    private final RetryConfig retry;
    private final Clock clock;

    public RequestExecutor(String node, VolumeService volumes, int maxAttempts, Duration backoff, Clock clock) {
        this.node = node;
        this.volumes = volumes;
        this.clock = clock;
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

    public Result execute(Request request) {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        AtomicInteger attempts = new AtomicInteger();
        Builder result = new Builder(request, started);
        try {
            Retry.of("request", retry).executeSupplier(() -> {
                attempts.incrementAndGet();
                result.reset();
                run(request, result);
                return null;
            });
        } catch (TinyVolException e) {
            result.status = Status.FAILED;
            result.errors.add(new ResultError(e.code().name(), e.path(), e.getMessage()));
        } catch (RuntimeException e) {
            result.status = Status.FAILED;
            result.errors.add(new ResultError(mayPass(e) ? "IO_ERROR" : "INTERNAL_ERROR", null,
                    e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        return result.build(attempts.get(), (System.nanoTime() - t0) / 1_000_000, clock.instant());
    }

    private void run(Request request, Builder out) {
        Runnable noWait = () -> { };
        switch (request.action()) {
            case ASSEMBLE -> {
                Manifest manifest = request.manifest() != null ? request.manifest()
                        : new ManifestStore(volumes.cas()).load(request.manifestRef());
                String source = request.manifestRef() != null ? "ref:" + request.manifestRef() : "inline";
                AssemblyReport r = volumes.assemble(request.volume(), manifest, source,
                        new AssemblyOptions(request.options().replace(), request.options().copyFallback()), Progress.NONE, noWait);
                out.outcome = r.outcome().name();
                out.targetDir = r.targetDir();
                out.filesLinked = r.filesLinked();
                out.filesCopied = r.filesCopied();
                out.symlinks = r.symlinks();
                out.dirsCreated = r.dirsCreated();
                out.bytes = r.bytes();
                out.warnings.addAll(r.warnings());
                if (request.options().verify()) {
                    out.verify(volumes.verify(request.volume(), manifest, false));
                }
            }
            case TEARDOWN -> {
                TeardownReport r = volumes.teardown(request.volume(), noWait);
                out.outcome = r.outcome().name();
                out.targetDir = volumes.volumes().root().resolve(request.volume()).toString();
                out.warnings.addAll(r.warnings());
            }
            case VERIFY -> {
                Manifest manifest = request.manifest() != null ? request.manifest()
                        : request.manifestRef() != null ? new ManifestStore(volumes.cas()).load(request.manifestRef()) : null;
                boolean deep = request.options().verify();
                out.targetDir = volumes.volumes().root().resolve(request.volume()).toString();
                out.verify(manifest == null ? volumes.verify(request.volume(), deep) : volumes.verify(request.volume(), manifest, deep));
            }
            case LIST -> volumes.list().forEach(v -> out.volumes.add(new VolumeSummary(v.volume(), v.manifestName(),
                    v.manifestId(), v.files(), v.bytes(), v.createdAt())));
            case PURGE -> {
                PurgeReport r = volumes.purge(request.options().dryRun(), noWait);
                for (TeardownReport t : r.volumes()) {
                    out.volumes.add(new VolumeSummary(t.volume(), null, null, t.filesRemoved(), -1, null));
                    out.warnings.addAll(t.warnings());
                }
                for (PurgeReport.Failure f : r.failures()) {
                    out.status = Status.FAILED;
                    out.errors.add(new ResultError(f.code(), f.volume(), f.message()));
                }
                out.outcome = request.options().dryRun() ? "WOULD_REMOVE" : "REMOVED";
            }
        }
    }

    /** The mutable parts of a result while it is being made. */
    private final class Builder {
        final Request request;
        final Instant started;
        Status status;
        String outcome;
        String targetDir;
        long filesLinked;
        long filesCopied;
        long symlinks;
        long dirsCreated;
        long bytes;
        List<ResultError> errors;
        List<String> warnings;
        List<VolumeSummary> volumes;
        VerifySummary verify;

        Builder(Request request, Instant started) {
            this.request = request;
            this.started = started;
            reset();
        }

        void reset() {
            status = Status.SUCCEEDED;
            outcome = null;
            targetDir = null;
            filesLinked = filesCopied = symlinks = dirsCreated = bytes = 0;
            errors = new ArrayList<>();
            warnings = new ArrayList<>();
            volumes = new ArrayList<>();
            verify = null;
        }

        void verify(VerifyReport r) {
            verify = new VerifySummary(r.deep(), r.verified(), r.mismatched(), r.missing(), r.extra(),
                    r.problems().stream().map(p -> p.kind() + " " + p.path() + ": " + p.detail()).toList());
            if (!r.clean()) {
                status = Status.FAILED;
                errors.add(new ResultError("VERIFY_MISMATCH", request.volume(), r.mismatched() + " mismatched, " + r.missing()
                        + " missing, " + r.extra() + " extra"));
            }
        }

        Result build(int attempts, long durationMs, Instant finished) {
            return new Result(Request.SCHEMA_VERSION, request.requestId(), request.correlationId(), request.action(), node,
                    request.volume(), status, outcome, targetDir, filesLinked, filesCopied, symlinks, dirsCreated, bytes,
                    durationMs, attempts, errors, warnings, started, finished, VERSION, volumes, verify);
        }
    }

    private static String versionOf() {
        String v = RequestExecutor.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

}
