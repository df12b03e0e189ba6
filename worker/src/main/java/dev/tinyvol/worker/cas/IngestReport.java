package dev.tinyvol.worker.cas;

import java.util.List;

/**
 * What an ingest did.
 *
 * @param files        regular files in the tree
 * @param newBlobs     blob instances this ingest stored
 * @param bytes        logical bytes of all files
 * @param newBytes     bytes this ingest wrote into the CAS
 * @param skipped      device nodes, fifos and sockets left out (each also a warning)
 * @param manifestId   the manifest's identity (sha256 of its canonical form)
 */
public record IngestReport(String ref, String manifestId, int format, long files, long dirs, long symlinks,
                           long newBlobs, long bytes, long newBytes, long skipped, long durationMs,
                           List<String> warnings) {

    public IngestReport {
        warnings = List.copyOf(warnings);
    }
}
