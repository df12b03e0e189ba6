package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.config.FreeSpace;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.testing.HoldStoreLock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GC request while another process holds the store is answered FAILED / STORE_BUSY, and succeeds later. */
class GcRequestBusyTest {

    @TempDir
    Path tmp;

    @Test
    void aGcRequestFindingTheStoreBusySaysSoAndAnotherLaterSucceeds() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Process holder = HoldStoreLock.start(cas.root(), "shared");
        try (VolumeService volumes = new VolumeService(cas, VolumeStore.open(tmp.resolve("volumes")), 2)) {
            RequestExecutor executor = new RequestExecutor("n1", volumes, 2, Duration.ofMillis(10), Clock.systemUTC(), null,
                    dev.tinyvol.worker.assembly.ImportMethod.AUTO, dev.tinyvol.worker.tracing.Tracing.none(),
                    new WorkerConfig.Gc(FreeSpace.parse("5%"), null, Duration.ZERO, Duration.ofMillis(300)));
            Result busy = executor.execute(gc());
            assertEquals(Status.FAILED, busy.status(), busy.toString());
            assertEquals("STORE_BUSY", busy.errors().get(0).code());
            assertEquals(2, busy.attempts(), "transient: tried again, as the settings allow");

            HoldStoreLock.release(holder);
            Result done = executor.execute(gc());
            assertEquals(Status.SUCCEEDED, done.status(), done.toString());
            assertEquals("COLLECTED", done.outcome());
        } finally {
            holder.destroyForcibly();
        }
    }

    private static Request gc() {
        return new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), null, Action.GC, "n1", null, null, null,
                RequestOptions.DEFAULTS, null, null);
    }
}
