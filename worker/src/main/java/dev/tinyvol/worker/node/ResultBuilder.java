package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultError;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.VerifySummary;
import dev.tinyvol.messages.event.VolumeSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place a {@link Result} is made: the executor fills one in as the work goes, refusals and
 * internal failures use the short forms. Not thread-safe; one per request.
 */
public final class ResultBuilder {

    /** The code of a failure of the worker itself, not of the request or the node's state. */
    public static final String INTERNAL = "INTERNAL";
    /** Warnings a result carries at most; the rest are counted in {@code warningsTotal}. */
    public static final int MAX_WARNINGS = 100;
    /** Errors a result carries at most (a PURGE can fail on every volume); the rest are counted. */
    public static final int MAX_ERRORS = 100;
    /** Characters a warning, an error's message or path, or a verify problem keeps at most. */
    public static final int MAX_TEXT = 2000;

    private final String requestId;
    private final String correlationId;
    private final Action action;
    private final String node;
    private final String volume;
    private final Instant started;
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
    String imageDigest;
    int pulledLayers;
    long pulledBytes;
    long pullMs;
    dev.tinyvol.messages.event.GcSummary gc;
    String importMethod;
    long filesCloned;
    String protection;
    /** LIST: the node's volumes in all (the page holds some of them); -1: as many as {@link #volumes}. */
    long volumesTotal;
    /** LIST: where the next page starts (options.after), or null on the last page. */
    String nextPage;

    private ResultBuilder(String requestId, String correlationId, Action action, String node, String volume, Instant started) {
        this.requestId = requestId;
        this.correlationId = correlationId;
        this.action = action;
        this.node = node;
        this.volume = volume;
        this.started = started;
        reset();
    }

    public static ResultBuilder of(Request request, String node, Instant started) {
        return new ResultBuilder(request.requestId(), request.correlationId(), request.action(), node, request.volume(),
                started);
    }

    /** A request refused before any work (invalid, for another node, past its deadline). */
    public static Result refusal(String requestId, String correlationId, Action action, String volume, String node,
                                 Status status, ResultError error, Instant readAt, Instant now) {
        ResultBuilder b = new ResultBuilder(requestId, correlationId, action, node, volume, readAt);
        b.status = status;
        b.errors.add(error);
        return b.build(0, 0, now);
    }

    /**
     * The worker itself failed on this request (a defect, or a component such as the answer store
     * that threw): FAILED with code {@link #INTERNAL}, so the request still gets its answer.
     */
    public static Result internalFailure(Request request, String node, Throwable cause, Instant now) {
        ResultBuilder b = of(request, node, now);
        b.status = Status.FAILED;
        String message = cause.getMessage() == null ? "no message" : cause.getMessage();
        b.errors.add(new ResultError(INTERNAL, null, "the worker failed on this request (" + message
                + "); it goes on serving; the worker's log has the details"));
        return b.build(1, 0, now);
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
        imageDigest = null;
        pulledLayers = 0;
        pulledBytes = 0;
        pullMs = 0;
        gc = null;
        importMethod = null;
        filesCloned = 0;
        protection = null;
        volumesTotal = -1;
        nextPage = null;
    }

    void fail(ResultError error) {
        status = Status.FAILED;
        errors.add(error);
    }

    /**
     * The result, its lists bounded by count and its texts by length (DESIGN.md, "Processing rules":
     * every result fits): the first entries, the totals, and {@code truncated} when anything was cut.
     * {@link ResultFitter} then fits it to the bytes one Kafka record may hold.
     */
    public Result build(int attempts, long durationMs, Instant finished) {
        Bounded bounded = new Bounded();
        List<String> keptWarnings = bounded.texts(warnings, MAX_WARNINGS);
        List<ResultError> keptErrors = bounded.first(errors, MAX_ERRORS).stream()
                .map(e -> new ResultError(e.code(), bounded.text(e.path()), bounded.text(e.message()))).toList();
        List<VolumeSummary> keptVolumes = bounded.first(volumes, dev.tinyvol.messages.event.RequestOptions.MAX_LIMIT);
        VerifySummary keptVerify = verify == null ? null : new VerifySummary(verify.deep(), verify.verified(),
                verify.mismatched(), verify.missing(), verify.extra(), bounded.texts(verify.problems(), verify.problems().size()));
        long total = volumesTotal < 0 ? volumes.size() : Math.max(volumesTotal, volumes.size());
        return new Result(Request.SCHEMA_VERSION, requestId, correlationId, action, node, volume, status, outcome,
                targetDir, filesLinked, filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, keptErrors,
                keptWarnings, started, finished, RequestExecutor.VERSION, keptVolumes, keptVerify, imageDigest, pulledLayers,
                pulledBytes, pullMs, gc, importMethod, filesCloned, protection, bounded.cut, warnings.size(), errors.size(),
                total, nextPage);
    }

    /**
     * The small answer for a request whose result Kafka cannot take (larger than a record may be, or
     * refused by the broker): FAILED with {@code RESULT_TOO_LARGE}, what the work did in figures
     * (outcome, counts, totals), no lists. One per request, in place of the result.
     */
    public static Result tooLarge(Result original, String why) {
        String message = "the " + original.status() + " result of this " + original.action() + " (" + original.volumesTotal()
                + " volumes, " + original.warningsTotal() + " warnings, " + original.errorsTotal()
                + " errors) cannot be published: " + why + "; the figures here are the work's own"
                + (original.action() == Action.LIST ? "; ask for smaller pages (options.limit)" : "");
        List<ResultError> errors = List.of(new ResultError(dev.tinyvol.worker.errors.ErrorCode.RESULT_TOO_LARGE.name(), null,
                message.length() > MAX_TEXT ? message.substring(0, MAX_TEXT) : message));
        VerifySummary verify = original.verify() == null ? null : new VerifySummary(original.verify().deep(),
                original.verify().verified(), original.verify().mismatched(), original.verify().missing(),
                original.verify().extra(), List.of());
        return new Result(original.schemaVersion(), original.requestId(), original.correlationId(), original.action(),
                original.node(), original.volume(), Status.FAILED, original.outcome(), original.targetDir(),
                original.filesLinked(), original.filesCopied(), original.symlinks(), original.dirsCreated(), original.bytes(),
                original.durationMs(), original.attempts(), errors, List.of(), original.startedAt(), original.finishedAt(),
                original.workerVersion(), List.of(), verify, original.imageDigest(), original.pulledLayers(),
                original.pulledBytes(), original.pullMs(), original.gc(), original.importMethod(), original.filesCloned(),
                original.protection(), true, original.warningsTotal(), original.errorsTotal() + 1, original.volumesTotal(),
                null);
    }

    /** Cuts lists to their first entries and texts to {@link #MAX_TEXT}, remembering whether it cut anything. */
    private static final class Bounded {
        boolean cut;

        <T> List<T> first(List<T> list, int max) {
            if (list.size() <= max) {
                return list;
            }
            cut = true;
            return new ArrayList<>(list.subList(0, max));
        }

        List<String> texts(List<String> list, int max) {
            return first(list, max).stream().map(this::text).toList();
        }

        String text(String text) {
            if (text == null || text.length() <= MAX_TEXT) {
                return text;
            }
            cut = true;
            return text.substring(0, MAX_TEXT - 1) + "…";
        }
    }
}
