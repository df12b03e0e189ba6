package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ingest killed with SIGKILL while it writes blobs (a process of its own, as on a node) leaves
 * no ref and nothing fsck calls damaged; the next ingest of the same tree finishes and its ref
 * verifies. (SIGKILL keeps the page cache: a power loss, which this cannot make, is what the
 * ingest's syncfs before its ref is for.)
 */
class KilledIngestTest {

    @TempDir
    Path tmp;

    @Test
    void anIngestKilledMidWayLeavesNoRefAndNoDamagedBlob() throws Exception {
        Path src = tmp.resolve("src");
        for (int d = 0; d < 40; d++) {
            Path dir = Files.createDirectories(src.resolve("d" + d));
            for (int f = 0; f < 250; f++) {
                Files.writeString(dir.resolve("f" + f), "file " + d + "/" + f + "\n".repeat(1 + f % 7));
            }
        }
        Path cas = tmp.resolve("cas");
        Process ingest = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TinyVolCli.class.getName(), "cas", "ingest", src.toString(), "--cas", cas.toString(), "--ref", "tree")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("ingest.log").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long blobs = 0;
        while (ingest.isAlive() && System.nanoTime() < until && (blobs = count(cas.resolve("objects"))) < 500) {
            Thread.sleep(5);
        }
        ingest.destroyForcibly(); // SIGKILL
        ingest.waitFor(10, TimeUnit.SECONDS);
        System.out.println("killed ingest after " + blobs + " of 10,000 blobs; exit " + ingest.exitValue());
        assertTrue(blobs >= 500 && blobs < 10_000, "killed mid-way: " + blobs + " blobs; "
                + Files.readString(tmp.resolve("ingest.log")));
        assertFalse(Files.exists(cas.resolve("refs/tree.json")), "no ref names an unfinished ingest");

        CliTest.Run fsck = tinyvol("cas", "fsck", "--cas", cas, "--json");
        JsonNode report = new ObjectMapper().readTree(fsck.out());
        assertEquals(0, fsck.exit(), fsck.out());
        assertEquals(0, report.get("findings").size(), "every blob under an object name is whole: " + fsck.out());

        CliTest.Run again = tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "tree");
        assertEquals(0, again.exit(), again.err());
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("assemble", "--volume", "v", "--cas", cas, "--volumes", volumes, "--ref", "tree").exit());
        assertEquals(0, tinyvol("verify", "--volume", "v", "--cas", cas, "--volumes", volumes, "--deep").exit());
        assertEquals(0, tinyvol("cas", "fsck", "--cas", cas).exit());
    }

    private static long count(Path objects) throws java.io.IOException {
        if (!Files.isDirectory(objects)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(objects, 2)) {
            return all.filter(p -> p.getNameCount() == objects.getNameCount() + 2).count();
        }
    }
}
