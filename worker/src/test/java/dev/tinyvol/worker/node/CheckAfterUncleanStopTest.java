package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.AssemblyReport;
import dev.tinyvol.worker.assembly.VolumeLister;
import dev.tinyvol.worker.assembly.VolumeLocks;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the worker relies on after a crash: a record cut short or garbled by a power loss means
 * "not whole" (never a failed LIST), and the check after an unclean stop counts an interruption as
 * unfinished, resumes at the next start, and holds each volume's lock from check to verdict.
 */
class CheckAfterUncleanStopTest {

    @TempDir
    Path tmp;

    VolumeService service;
    VolumeStore store;
    Manifest rootfs;
    AnswerStore answers;

    @BeforeEach
    void setUp() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        rootfs = new ManifestStore(cas).load("rootfs");
        store = VolumeStore.open(tmp.resolve("volumes"));
        service = new VolumeService(cas, store, 2);
        answers = new AnswerStore(tmp.resolve("volumes/.tinyvol/answers"));
        for (String v : List.of("a", "b", "c")) {
            service.assemble(v, rootfs, "rootfs", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
        }
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private Path record(String volume) {
        return tmp.resolve("volumes/.tinyvol/records/" + volume + ".json");
    }

    @Test
    void anEmptyOrGarbledRecordMeansNotWholeAndListStillAnswers() throws Exception {
        Files.write(record("a"), new byte[0]);
        Files.writeString(record("b"), "{\"volume\":\"b\",\"manif");
        List<VolumeLister.VolumeInfo> listed = service.list();
        assertEquals(List.of("a", "b", "c"), listed.stream().map(VolumeLister.VolumeInfo::volume).toList());
        assertEquals(List.of(false, false, true), listed.stream().map(VolumeLister.VolumeInfo::recorded).toList());
        assertTrue(Files.exists(tmp.resolve("volumes/.tinyvol/records/a.json.damaged")), "set aside, not deleted");

        TinyVolException again = assertThrows(TinyVolException.class, () -> service.assemble("a", rootfs, "rootfs",
                AssemblyOptions.DEFAULTS, Progress.NONE, () -> { }));
        assertEquals(ErrorCode.VOLUME_EXISTS, again.code(), "not answered UNCHANGED");
        AssemblyReport rebuilt = service.assemble("a", rootfs, "rootfs", new AssemblyOptions(true, true), Progress.NONE,
                () -> { });
        assertEquals("REPLACED", rebuilt.outcome().name());
        assertTrue(service.verify("a", false).clean());
    }

    @Test
    void anInterruptedCheckIsUnfinishedNotDamagedAndResumesAtTheNextStart() throws Exception {
        Files.writeString(store.runningMarker(), "crashed\n");
        Files.delete(tmp.resolve("volumes/c/usr/bin/tool"));
        Housekeeping first;
        // The check waits for b's lock (held here), is interrupted by the stop, and must not call b damaged.
        try (VolumeLocks.Held held = store.lock("b", Duration.ZERO, () -> { })) {
            first = new Housekeeping(service, answers, Duration.ofDays(1), store.runningMarker(), store.checkPendingMarker());
            long deadline = System.currentTimeMillis() + 10_000;
            while (Files.readAllLines(store.checkPendingMarker()).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            first.close();
            assertEquals(List.of(), first.recovery().get(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of("a"), Files.readAllLines(store.checkPendingMarker()), "a was checked, b and c were not");
        assertTrue(store.record("b").isPresent(), "an interrupted check is no verdict");
        first.stoppedCleanly();
        assertFalse(Files.exists(store.runningMarker()));

        // A clean stop in between does not lose the unfinished check: the next start resumes it.
        Housekeeping second = new Housekeeping(service, answers, Duration.ofDays(1), store.runningMarker(),
                store.checkPendingMarker());
        try {
            assertEquals(List.of("c"), second.recovery().get(30, TimeUnit.SECONDS));
            assertFalse(Files.exists(store.checkPendingMarker()), "finished");
            assertTrue(store.record("b").isPresent());
            assertTrue(store.record("c").isEmpty(), "c's record is set aside");
        } finally {
            second.close();
        }
    }
}
