package dev.tinyvol.messages.event;

import java.time.Instant;
import java.util.List;

/**
 * The answer to one request (DESIGN.md, "Events"), published to {@code tinyvol.results} keyed
 * {@code <node>/<volume>} or {@code <node>/*}.
 *
 * @param action   null only when the request's action could not be read (REJECTED)
 * @param outcome  what happened to the volume: BUILT, REPLACED, UNCHANGED, REMOVED, ABSENT, or null
 * @param attempts how many times the work was tried (retries of transient failures included)
 * @param volumes  LIST: the node's volumes; otherwise empty
 * @param verify   VERIFY (and ASSEMBLE with verify): the counts; otherwise null
 * @param imageDigest  a request naming an image: the digest it resolved to; otherwise null
 * @param pulledLayers layers downloaded for it (0 when the node had them all)
 * @param pulledBytes  bytes downloaded for it
 * @param pullMs       time spent pulling (0 when nothing was pulled)
 * @param gc           GC: what was reclaimed; otherwise null
 * @param importMethod ASSEMBLE: how files came into the volume: clone, hardlink or copy; otherwise null
 * @param filesCloned  ASSEMBLE: files cloned (copy-on-write reflinks of their blobs)
 * @param protection   ASSEMBLE, VERIFY: what keeps writes in the volume from reaching the store:
 *                     read-only, clone, copy, or detect (hard links: a write is found, not prevented)
 */
public record Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                     Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                     long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                     List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                     List<VolumeSummary> volumes, VerifySummary verify, String imageDigest, int pulledLayers,
                     long pulledBytes, long pullMs, GcSummary gc, String importMethod, long filesCloned,
                     String protection) {

    /** A result that says nothing of import methods (every action but ASSEMBLE and VERIFY). */
    public Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                  Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                  long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                  List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                  List<VolumeSummary> volumes, VerifySummary verify, String imageDigest, int pulledLayers,
                  long pulledBytes, long pullMs, GcSummary gc) {
        this(schemaVersion, requestId, correlationId, action, node, volume, status, outcome, targetDir, filesLinked,
                filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, errors, warnings, startedAt, finishedAt,
                workerVersion, volumes, verify, imageDigest, pulledLayers, pulledBytes, pullMs, gc, null, 0, null);
    }

    /** A result without a gc (every action but GC). */
    public Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                  Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                  long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                  List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                  List<VolumeSummary> volumes, VerifySummary verify, String imageDigest, int pulledLayers,
                  long pulledBytes, long pullMs) {
        this(schemaVersion, requestId, correlationId, action, node, volume, status, outcome, targetDir, filesLinked,
                filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, errors, warnings, startedAt, finishedAt,
                workerVersion, volumes, verify, imageDigest, pulledLayers, pulledBytes, pullMs, null);
    }

    /** A result without a pull (every action but one naming an image). */
    public Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                  Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                  long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                  List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                  List<VolumeSummary> volumes, VerifySummary verify) {
        this(schemaVersion, requestId, correlationId, action, node, volume, status, outcome, targetDir, filesLinked,
                filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, errors, warnings, startedAt, finishedAt,
                workerVersion, volumes, verify, null, 0, 0, 0);
    }

    public Result {
        errors = errors == null ? List.of() : List.copyOf(errors);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** The Kafka key: {@code <node>/<volume>}, or {@code <node>/*} for node-wide actions. */
    public String key() {
        return node + "/" + (volume == null ? Topics.NODE_WIDE_KEY : volume);
    }
}
