package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.SymlinkSwapper;
import dev.tinyvol.worker.testing.Trees;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md, safety rules: a process still running inside a volume that swaps its directories for
 * symlinks to an outside directory while the volume is torn down can never make the teardown touch
 * anything outside. Once it stops, teardown or purge finishes the job.
 */
class SymlinkSwapTeardownTest {

    private static final int ROUNDS = 12;
    private static final List<String> SWAPPED = List.of("d00", "d01", "d02", "d03", "d04", "d05", "d06", "d07",
            "d00/s0", "d01/s1", "d02/s2", "d03/s3");

    @TempDir
    Path tmp;

    AssemblyFixture node;
    Manifest tree;
    Path outside;

    @BeforeEach
    void setUp() throws Exception {
        node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"));
        Path src = tmp.resolve("src");
        for (int d = 0; d < 16; d++) {
            for (int s = 0; s < 8; s++) {
                for (int f = 0; f < 6; f++) {
                    Trees.file(src, String.format("d%02d/s%d/f%d.txt", d, s, f), "content " + (d * 100 + s * 10 + f), 0644);
                }
            }
        }
        tree = node.ingest(src, "tree");
        outside = tmp.resolve("outside");
        for (String dir : SWAPPED) {
            // Whatever a followed symlink could reach: same names as inside the volume.
            Trees.file(outside, dir.replace('/', '_') + "/s0/f0.txt", "must survive\n", 0644);
            Trees.file(outside, "s0/f0.txt", "must survive\n", 0644);
            Trees.file(outside, "s1/f1.txt", "must survive\n", 0644);
        }
    }

    @AfterEach
    void tearDown() {
        node.close();
    }

    @Test
    void aWorkloadSwappingDirectoriesForSymlinksNeverRedirectsTheTeardown() throws Exception {
        List<String> before = Mount.snapshot(outside);
        long totalSwaps = 0;
        int teardownsRefused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String volume = "race-" + round;
            node.assemble(volume, tree);
            Process swapper = startSwapper(node.volumes().resolve(volume));
            BufferedReader out = new BufferedReader(new InputStreamReader(swapper.getInputStream()));
            assertEquals("started", out.readLine(), "the swapper made its first swap");
            try {
                node.service.teardown(volume, () -> { });
            } catch (TinyVolException e) {
                teardownsRefused++; // the tree kept changing under the walk; said so, nothing outside touched
            }
            swapper.getOutputStream().close();
            assertEquals(before, Mount.snapshot(outside), "round " + round + ": nothing outside the volume changed");
            assertTrue(swapper.waitFor(30, TimeUnit.SECONDS));
            String last = out.readLine();
            assertTrue(last != null && last.startsWith("swaps "), last);
            totalSwaps += Long.parseLong(last.substring("swaps ".length()));
        }
        // The workload has stopped: purge finishes what the teardowns could not.
        PurgeReport purge = node.service.purge(false, () -> { });
        assertEquals(List.of(), purge.failures());
        for (int round = 0; round < ROUNDS; round++) {
            assertFalse(Files.exists(node.volumes().resolve("race-" + round)));
        }
        assertEquals(0, node.leftovers());
        assertEquals(before, Mount.snapshot(outside));
        assertTrue(totalSwaps >= ROUNDS, "every round swapped at least once: " + totalSwaps);
        System.out.printf("symlink swap test: %d rounds, %d swaps during teardowns, %d teardowns gave up and purge "
                + "finished them; nothing outside changed%n", ROUNDS, totalSwaps, teardownsRefused);
    }

    private Process startSwapper(Path volume) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                SymlinkSwapper.class.getName(), volume.toString(), outside.toString(), "20000"));
        command.addAll(SWAPPED);
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
