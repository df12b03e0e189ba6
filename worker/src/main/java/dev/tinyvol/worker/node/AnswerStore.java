package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.worker.cas.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The answers this node gave, by requestId, so a repeated request (a redelivery after a crash, or a
 * sender's retry) gets the same result without the work being redone. One small file per answer,
 * named by the sha256 of the requestId; written before the result is published, kept for a
 * retention period.
 */
public final class AnswerStore {

    private final Path dir;

    public AnswerStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating the answer store " + dir, e);
        }
    }

    public Optional<Result> get(String requestId) {
        try {
            Result r = ResultCodec.decode(Files.readAllBytes(fileOf(requestId)));
            return r.requestId().equals(requestId) ? Optional.of(r) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the answer to " + requestId, e);
        } catch (IllegalArgumentException damaged) {
            return Optional.empty(); // a torn write from a crash: the work is redone, idempotently
        }
    }

    /**
     * Atomic, not fsync'd (docs/decisions.md, "Idempotency"): an answer lost or cut short by a power
     * loss reads as absent, and the work is redone, idempotently. A failure is a TinyVolException
     * naming the file.
     */
    public void put(Result result) {
        AtomicFile.replace(fileOf(result.requestId()), ResultCodec.encode(result), AtomicFile.Durability.ATOMIC_ONLY,
                "storing the answer to " + result.requestId());
    }

    /** Forgets answers older than {@code retention}; returns how many. */
    public int prune(Duration retention) {
        Instant cutoff = Instant.now().minus(retention);
        int removed = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(f);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("pruning the answer store " + dir, e);
        }
        return removed;
    }

    private Path fileOf(String requestId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(hash) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
