package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workload swaps a FIFO (a real mkfifo) in for a file of its volume, over and over, while
 * {@code verify --deep} runs: some runs see the file when they examine it and the FIFO when they
 * open it to hash it. verify must finish (it holds the volume's lock) and report the swap.
 */
class VerifyFifoSwapTest {

    @TempDir
    Path tmp;

    @Test
    void aFifoSwappedInAfterTheCheckIsReportedAndDoesNotHangVerify() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (AssemblyFixture f = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"))) {
            Path src = tmp.resolve("src");
            Trees.file(src, "data/file", "content a workload swaps away\n", 0644);
            Manifest m = f.ingest(src, "tree");
            f.assemble("v", m, new AssemblyOptions(false, true, ImportMethod.HARDLINK));
            Path dir = f.volumes().resolve("v/data");
            Mount.run("mkfifo", dir.resolve("fifo").toString());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong swaps = new AtomicLong();
            Thread swapper = new Thread(() -> {
                try (DirFd d = DirFd.open(dir)) {
                    while (!stop.get()) {
                        d.rename("file", d, "fifo", DirFd.RenameMode.EXCHANGE); // file <-> FIFO, atomically
                        swaps.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            swapper.start();
            int runs = 0;
            int seen = 0;
            try {
                while (runs < 20_000 && seen < 3) {
                    runs++;
                    Future<VerifyReport> run = runner.submit(() -> f.service.verify("v", true));
                    VerifyReport report;
                    try {
                        report = run.get(60, TimeUnit.SECONDS); // a guard against a hang, not a timing threshold
                    } catch (TimeoutException hung) {
                        try (FileOutputStream writer = new FileOutputStream(dir.resolve("file").toFile())) {
                            // the writer a blocked open of the FIFO waits for: lets it go
                        } catch (java.io.IOException ignored) {
                            // it may be under the other name
                        }
                        fail("verify --deep hung on run " + runs + ": it opened the FIFO swapped in after its check, "
                                + "and waits for a writer while it holds the volume's lock");
                        return;
                    }
                    if (report.problems().stream().anyMatch(p -> p.path().equals("data/file")
                            && p.detail().contains("replaced while it was verified") && p.detail().contains("a FIFO"))) {
                        seen++;
                        if (seen == 1) {
                            System.out.println("verify --deep, run " + runs + " (" + swaps.get() + " swaps so far): "
                                    + report.problems());
                        }
                    }
                }
            } finally {
                stop.set(true);
                swapper.join();
            }
            assertTrue(seen > 0, "in " + runs + " runs of verify --deep no open saw the FIFO swapped in after the check ("
                    + swaps.get() + " swaps)");
        } finally {
            runner.shutdownNow();
        }
    }
}
