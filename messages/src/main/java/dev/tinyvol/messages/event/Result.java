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
 * @param truncated     true when a list here (volumes, warnings, errors, verify problems) holds only
 *                      its first entries so the result fits in one Kafka record; the totals say how many
 *                      there were
 * @param warningsTotal how many warnings there were (at least {@code warnings.size()})
 * @param errorsTotal   how many errors there were (at least {@code errors.size()})
 * @param volumesTotal  LIST: the node's volumes in all; PURGE: the volumes it removed (or would); at
 *                      least {@code volumes.size()}
 * @param nextPage      LIST: more volumes follow; send the LIST again with {@code options.after} set to
 *                      this to read them. Null on the last page (and for every other action)
 */
public record Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                     Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                     long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                     List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                     List<VolumeSummary> volumes, VerifySummary verify, String imageDigest, int pulledLayers,
                     long pulledBytes, long pullMs, GcSummary gc, String importMethod, long filesCloned,
                     String protection, boolean truncated, long warningsTotal, long errorsTotal, long volumesTotal,
                     String nextPage) {

    /** A result whose lists are whole (what every worker before bounded results wrote). */
    public Result(int schemaVersion, String requestId, String correlationId, Action action, String node, String volume,
                  Status status, String outcome, String targetDir, long filesLinked, long filesCopied, long symlinks,
                  long dirsCreated, long bytes, long durationMs, int attempts, List<ResultError> errors,
                  List<String> warnings, Instant startedAt, Instant finishedAt, String workerVersion,
                  List<VolumeSummary> volumes, VerifySummary verify, String imageDigest, int pulledLayers,
                  long pulledBytes, long pullMs, GcSummary gc, String importMethod, long filesCloned,
                  String protection) {
        this(schemaVersion, requestId, correlationId, action, node, volume, status, outcome, targetDir, filesLinked,
                filesCopied, symlinks, dirsCreated, bytes, durationMs, attempts, errors, warnings, startedAt, finishedAt,
                workerVersion, volumes, verify, imageDigest, pulledLayers, pulledBytes, pullMs, gc, importMethod,
                filesCloned, protection, false, 0, 0, 0, null);
    }

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
        // A result from a worker before bounded results has no totals: its lists are whole.
        warningsTotal = Math.max(warningsTotal, warnings.size());
        errorsTotal = Math.max(errorsTotal, errors.size());
        volumesTotal = Math.max(volumesTotal, volumes.size());
    }

    /** The Kafka key: {@code <node>/<volume>}, or {@code <node>/*} for node-wide actions. */
    public String key() {
        return node + "/" + (volume == null ? Topics.NODE_WIDE_KEY : volume);
    }
}
