package dev.tinyvol.worker.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/scheduler, a scheduler embedding tinyvol-client, run as its own process on a Java 17
 * runtime with the classpath its Maven build resolves, against the test broker and a real worker:
 * the way in docs/events.md ("The fleet side") gives schedulers works, and says nothing about missing SLF4J providers.
 */
class ExampleSchedulerTest {

    @TempDir
    Path tmp;

    @Test
    void theExampleSchedulerRunsOnJava17AgainstAWorker() throws Exception {
        String node = "example-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        Path example = Path.of("../examples/scheduler/target").toAbsolutePath().normalize();
        String classpath = example.resolve("classes") + File.pathSeparator
                + Files.readString(example.resolve("classpath.txt")).strip();
        Path java17 = java17();
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of())) {
            List<String> command = new ArrayList<>(List.of(java17.toString(), "-cp", classpath,
                    "dev.tinyvol.examples.scheduler.ExampleScheduler", TestKafka.bootstrap(), node, "rootfs", "web-1"));
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the example finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("example scheduler on " + java17 + ":\n" + out);
            assertEquals(0, p.exitValue(), out + err);
            assertTrue(out.startsWith("ASSEMBLE web-1 on " + node + ": SUCCEEDED BUILT, 6 files linked"), out);
            assertTrue(out.contains("LIST " + node + ": 1 volumes"), out);
            assertFalse(err.contains("No SLF4J providers"), err);
        }
    }

    /** A Java 17 runtime, as a scheduler may have (Debian's, which .ci/run installs). */
    private static Path java17() throws Exception {
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            return jvms.filter(d -> d.getFileName().toString().contains("17"))
                    .map(d -> d.resolve("bin/java")).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no Java 17 runtime under /usr/lib/jvm: install openjdk-17-jre-headless"));
        }
    }
}
