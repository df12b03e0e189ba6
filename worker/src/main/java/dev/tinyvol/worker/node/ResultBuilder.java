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
    }

    void fail(ResultError error) {
        status = Status.FAILED;
        errors.add(error);
    }

    public Result build(int attempts, long durationMs, Instant finished) {
        return new Result(Request.SCHEMA_VERSION, requestId, correlationId, action, node, volume, status, outcome,
                targetDir, filesLinked, filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, errors, warnings,
                started, finished, RequestExecutor.VERSION, volumes, verify, imageDigest, pulledLayers, pulledBytes, pullMs, gc,
                importMethod, filesCloned, protection);
    }
}
