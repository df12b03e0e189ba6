package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code cas gc} reports adds up (issue 21, first hour item 12: "removed blobs 210" beside
 * "instances 0, reclaimed 0 B" for a volumes directory with nothing in it): a content counts as
 * removed only when every instance of it went, and instances kept as young are said as such.
 */
class GcReportTest {

    @TempDir
    Path tmp;

    @Test
    void gcReportsWhatItRemovedAndWhatItKeptAsYoung() throws Exception {
        Path cas = tmp.resolve("cas");
        Path volumes = Files.createDirectories(tmp.resolve("volumes"));
        assertEquals(0, CliTest.tinyvol("cas", "ingest", Trees.rootfs(tmp.resolve("src")), "--cas", cas, "--ref", "r").exit());
        assertEquals(0, CliTest.tinyvol("cas", "refs", "rm", "r", "--cas", cas).exit());

        JsonNode young = new ObjectMapper().readTree(CliTest.tinyvol("cas", "gc", "--cas", cas, "--volumes", volumes,
                "--json").out());
        assertEquals(0, young.get("blobsRemoved").asLong(), young.toString());
        assertEquals(0, young.get("instancesRemoved").asLong(), young.toString());
        assertTrue(young.get("youngKept").asLong() > 0, "just ingested: kept as young " + young);

        CliTest.Run text = CliTest.tinyvol("cas", "gc", "--cas", cas, "--volumes", volumes, "--min-age", "0s");
        assertEquals(0, text.exit(), text.err());
        System.out.println("cas gc of a store no ref or volume uses:\n" + text.out());
        JsonNode after = new ObjectMapper().readTree(CliTest.tinyvol("cas", "stats", "--cas", cas, "--json").out());
        assertEquals(0, after.get("instances").asLong(), "everything went: " + after);
        String blobs = text.out().lines().filter(l -> l.strip().startsWith("blobs")).findFirst().orElseThrow();
        String instances = text.out().lines().filter(l -> l.strip().startsWith("instances")).findFirst().orElseThrow();
        long b = Long.parseLong(blobs.replaceAll("^\\s*blobs\\s+(\\d+).*$", "$1"));
        long i = Long.parseLong(instances.replaceAll("^\\s*instances\\s+(\\d+).*$", "$1"));
        assertTrue(b > 0 && b <= i, "contents removed " + b + " are at most the instances removed " + i);
        assertTrue(text.out().lines().anyMatch(l -> l.strip().startsWith("reclaimed") && !l.contains(" 0 B")), text.out());
    }
}
