package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that cannot start says why in one line naming the setting, and leaves no sign of a run
 * (issue 21, first hour item 8: before, "IO_ERROR: worker failed: Address already in use", and the
 * next start warned that the last run did not stop cleanly).
 */
class WorkerStartTest {

    @TempDir
    Path tmp;

    @Test
    void aBusyMetricsPortIsOneLineNamingItAndNoUncleanStop() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Path config = Files.writeString(tmp.resolve("worker.properties"), String.join("\n",
                    "node=start-1", "cas.dir=" + tmp.resolve("cas"), "volumes.dir=" + tmp.resolve("volumes"),
                    "kafka.bootstrap.servers=127.0.0.1:1", "http.host=127.0.0.1", "http.port=" + port, ""));
            CliTest.Run run = CliTest.tinyvol("worker", "--config", config);
            assertEquals(TinyVolCli.FAILED, run.exit(), run.err());
            String line = run.err().strip();
            assertTrue(line.startsWith("tinyvol: IO_ERROR: cannot listen on http.host 127.0.0.1, http.port " + port + ": "),
                    line);
            assertTrue(line.endsWith("; free the port or choose another"), line);
            assertFalse(Files.exists(tmp.resolve("volumes/.tinyvol/worker.running")),
                    "a start that failed left the running marker, so the next start would report an unclean stop");
        }
    }
}
