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

/** {@code cas refs} with sizes, {@code cas refs rm}, and {@code cas stats}' dedup ratio on two refs of one tree. */
class RefsAndStatsTest {

    @TempDir
    Path tmp;

    @Test
    void refsShowTheirSizeStatsShowTheSharingAndRmRemovesOnlyWhatItNames() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Path cas = tmp.resolve("cas");
        assertEquals(0, CliTest.tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "a").exit());
        assertEquals(0, CliTest.tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "b").exit());
        long files;
        long bytes;
        try (var all = Files.walk(src)) {
            var regular = all.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
            files = regular.size();
            bytes = 0;
            for (Path p : regular) {
                bytes += Files.size(p);
            }
        }

        JsonNode refs = new ObjectMapper().readTree(CliTest.tinyvol("cas", "refs", "--cas", cas, "--json").out());
        assertEquals(2, refs.size());
        assertEquals(files, refs.get(0).get("files").asLong());
        assertEquals(bytes, refs.get(0).get("bytes").asLong(), "logical bytes: the sum of the files' sizes");

        assertTrue(refs.get(0).get("volumes") == null, "volumes only with --volumes");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, CliTest.tinyvol("assemble", "--volume", "web-1", "--cas", cas, "--volumes", volumes, "--ref", "a").exit());
        JsonNode withVolumes = new ObjectMapper().readTree(CliTest.tinyvol("cas", "refs", "--cas", cas, "--volumes", volumes,
                "--json").out());
        assertEquals("[\"web-1\"]", withVolumes.get(0).get("volumes").toString(), withVolumes.toString());

        JsonNode stats = new ObjectMapper().readTree(CliTest.tinyvol("cas", "stats", "--cas", cas, "--json").out());
        assertEquals(2 * bytes, stats.get("logicalBytes").asLong());
        assertTrue(stats.get("dedupRatio").asDouble() >= 2.0, "two refs of one tree share every blob: " + stats);
        assertTrue(stats.get("volumes") == null, "volumes only with --volumes");
        JsonNode withVolumes2 = new ObjectMapper().readTree(CliTest.tinyvol("cas", "stats", "--cas", cas, "--volumes", volumes,
                "--json").out());
        assertEquals(1, withVolumes2.get("volumes").asLong());
        assertEquals(bytes, withVolumes2.get("volumeBytes").asLong(), "web-1's logical bytes, from its record");
        assertTrue(withVolumes2.get("dedupRatioWithVolumes").asDouble() > stats.get("dedupRatio").asDouble());

        CliTest.Run refused = CliTest.tinyvol("cas", "refs", "rm", "a", "nosuch", "--cas", cas);
        assertEquals(TinyVolCli.FAILED, refused.exit());
        assertTrue(refused.err().contains("MANIFEST_NOT_FOUND") && refused.err().contains("nosuch"), refused.err());
        assertTrue(Files.exists(cas.resolve("refs/a.json")), "nothing is removed when one name is wrong");
        assertEquals(0, CliTest.tinyvol("cas", "refs", "rm", "a", "--cas", cas).exit());
        assertEquals(false, Files.exists(cas.resolve("refs/a.json")) || Files.exists(cas.resolve("refs/a.tvm")));
        assertTrue(Files.exists(cas.resolve("refs/b.json")));

        // An empty store has no ratio to speak of (issue 21, first hour item 12: it said "dedup 0.00x").
        Path empty = tmp.resolve("empty");
        CliTest.tinyvol("cas", "ingest", Files.createDirectories(tmp.resolve("nothing")), "--cas", empty, "--ref", "none");
        String text = CliTest.tinyvol("cas", "stats", "--cas", empty).out();
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s*dedup\\s+- \\(nothing stored\\)")), text);
    }
}
