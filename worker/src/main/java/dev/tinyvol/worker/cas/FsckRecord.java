package dev.tinyvol.worker.cas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyvol.worker.errors.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The outcome of the last fsck of a CAS, kept in {@code <cas>/fsck/last.json} so whoever runs it (the
 * command line, a timer) the worker can show it as metrics.
 */
public record FsckRecord(Instant finishedAt, long instances, long damaged, long repaired, long unrepaired, long durationMs) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static void write(Cas cas, Fsck.Report report) {
        Path dir = cas.root().resolve("fsck");
        Path file = dir.resolve("last.json");
        ObjectNode n = JSON.createObjectNode();
        n.put("finishedAt", Instant.now().toString());
        n.put("instances", report.instances());
        n.put("damaged", report.damagedInstances());
        n.put("repaired", report.repaired());
        n.put("unrepaired", report.unrepaired());
        n.put("durationMs", report.durationMs());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "recording the fsck's outcome");
        }
        // Durable, directory included (it was not before): the repairs this record counts are.
        AtomicFile.replace(file, n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                AtomicFile.Durability.DURABLE, cas.tmpDir(), "recording the fsck's outcome");
    }

    /** The last fsck's outcome, or empty if none was recorded (or its record is unreadable). */
    public static Optional<FsckRecord> last(Path casRoot) {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(casRoot.resolve("fsck/last.json")));
            return Optional.of(new FsckRecord(Instant.parse(n.get("finishedAt").asText()), n.path("instances").asLong(),
                    n.path("damaged").asLong(), n.path("repaired").asLong(), n.path("unrepaired").asLong(),
                    n.path("durationMs").asLong()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
