package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The answer store writes through {@link dev.tinyvol.worker.cas.AtomicFile} (issue 21, one helper per mechanism). */
class AnswerStoreTest {

    @TempDir
    Path tmp;

    /** A request redelivered while it still runs: both executions store an answer under one requestId. */
    @Test
    void answersStoredAtOnceUnderOneRequestIdEachArriveWhole() throws Exception {
        AnswerStore answers = new AnswerStore(tmp.resolve("answers"));
        List<Result> results = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            ResultBuilder b = ResultFitterTest.builder(Action.ASSEMBLE);
            for (int i = 0; i < 50 * (w + 1); i++) {
                b.warnings.add("warning " + w + "." + i); // each writer's answer its own length
            }
            results.add(b.build(1, 10, ResultFitterTest.NOW));
        }
        ExecutorService pool = Executors.newFixedThreadPool(results.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Result r : results) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        answers.put(r);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(); // the old fixed "<file>.part": one writer's rename found the other's already gone
            }
        } finally {
            pool.shutdownNow();
        }
        Result stored = answers.get("r-1").orElseThrow();
        assertTrue(results.contains(stored), "one whole answer");
        try (Stream<Path> files = Files.list(tmp.resolve("answers"))) {
            assertEquals(1, files.count(), "no temporary left");
        }
    }

    @Test
    void anAnswerThatCannotBeStoredIsReadOnlyFilesystemNamingItsFile() throws Exception {
        try (Mount fs = Mount.tmpfs(tmp.resolve("ro"), "size=1m")) {
            AnswerStore answers = new AnswerStore(fs.point().resolve("answers"));
            fs.remount("ro");
            Result r = ResultFitterTest.builder(Action.ASSEMBLE).build(1, 10, ResultFitterTest.NOW);
            TinyVolException e = assertThrows(TinyVolException.class, () -> answers.put(r));
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, e.code(), e.getMessage());
            assertTrue(e.path().startsWith(fs.point().resolve("answers").toString()), e.path());
        }
    }
}
