package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user runs it: arguments in, exit code, stdout and stderr out. */
public class CliTest {

    @TempDir
    Path tmp;

    public record Run(int exit, String out, String err) {
    }

    public static Run tinyvol(Object... args) {
        String[] strings = java.util.Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        CommandLine cli = TinyVolCli.commandLine(strings); // as main() builds it: only the command named
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(strings), out.toString(), err.toString());
    }

    @Test
    void theStartUpCacheTrainingRunSucceedsAndLeavesNothing(@org.junit.jupiter.api.io.TempDir Path scratch) {
        // bin/tinyvol trains its AOT cache with this; a failure there would quietly cost every later start.
        Run run = tinyvol("aot-train", "--dir", scratch.resolve("train").toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.out());
        assertTrue(!java.nio.file.Files.exists(scratch.resolve("train")), "its scratch directory is removed");
        assertTrue(!tinyvol("--help").out().contains("aot-train"), "hidden from the help");
    }

    @Test
    void aWaitForAnotherProcessNamesTheVolume(@org.junit.jupiter.api.io.TempDir Path scratch) throws Exception {
        Path volumes = java.nio.file.Files.createDirectories(scratch.resolve("volumes"));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                dev.tinyvol.worker.testing.HoldVolumeLock.class.getName(), volumes.toString(), "web-1")
                .redirectErrorStream(true).start();
        try {
            assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine());
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(700);
                    holder.getOutputStream().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            Run run = tinyvol("teardown", "--volumes", volumes, "--volume", "web-1");
            release.join();
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.err().contains("waiting: another process is building or removing volume web-1"), run.err());
        } finally {
            holder.destroy();
            holder.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void everyCommandExplainsItselfWithHelp() {
        for (String[] command : List.of(new String[] {}, new String[] {"cas"}, new String[] {"cas", "ingest"},
                new String[] {"cas", "refs"}, new String[] {"assemble"}, new String[] {"teardown"}, new String[] {"purge"},
                new String[] {"verify"}, new String[] {"list"}, new String[] {"demo"}, new String[] {"bench"}, new String[] {"worker"},
                new String[] {"submit"}, new String[] {"results"}, new String[] {"fleet"}, new String[] {"fleet", "assemble"},
                new String[] {"fleet", "teardown"})) {
            Object[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of("--help")).toArray();
            Run run = tinyvol(args);
            assertEquals(0, run.exit(), String.join(" ", command));
            assertTrue(run.out().startsWith("Usage: tinyvol"), run.out());
        }
    }

    @Test
    void ingestAssembleVerifyListTeardownWithJson() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        ObjectMapper json = new ObjectMapper();

        Run ingest = tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "root", "--json");
        assertEquals(0, ingest.exit(), ingest.err());
        assertEquals(6, json.readTree(ingest.out()).get("files").asInt());

        Run assemble = tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "root", "--volume", "web-1", "--json");
        assertEquals(0, assemble.exit(), assemble.err());
        JsonNode report = json.readTree(assemble.out());
        assertEquals("BUILT", report.get("outcome").asText());
        assertEquals(6, report.get("filesLinked").asInt());

        Run text = tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "root", "--volume", "web-1");
        assertEquals(0, text.exit());
        assertTrue(text.out().contains("already holds this manifest"), text.out());

        Run verify = tinyvol("verify", "--cas", cas, "--volumes", volumes, "--volume", "web-1", "--deep");
        assertEquals(0, verify.exit(), verify.out());
        assertTrue(verify.out().startsWith("verified web-1 (deep)"), verify.out());

        Run list = tinyvol("list", "--volumes", volumes, "--json");
        assertEquals("web-1", json.readTree(list.out()).get(0).get("volume").asText());

        // Another CAS (a mistyped --cas): one line saying so, not a MISMATCH line per file.
        tinyvol("cas", "ingest", Trees.rootfs(tmp.resolve("other-src")), "--cas", tmp.resolve("other-cas"), "--ref", "x");
        Run wrongCas = tinyvol("verify", "--cas", tmp.resolve("other-cas"), "--volumes", volumes, "--volume", "web-1");
        assertEquals(TinyVolCli.DIFFERENCES, wrongCas.exit());
        assertEquals("", wrongCas.out());
        assertEquals("tinyvol: NOT_THIS_CAS: none of the 6 files of volume web-1 is a link into the CAS at "
                + tmp.resolve("other-cas") + ": check --cas (the volume was assembled from another CAS)", wrongCas.err().strip());
        Path empty = tmp.resolve("empty-cas");
        tinyvol("cas", "ingest", Files.createDirectories(tmp.resolve("empty-src")), "--cas", empty, "--ref", "none");
        Run emptyCas = tinyvol("verify", "--cas", empty, "--volumes", volumes, "--volume", "web-1");
        assertTrue(emptyCas.err().startsWith("tinyvol: NOT_THIS_CAS: none of the 6 files"), emptyCas.err());

        Files.writeString(volumes.resolve("web-1/stray"), "x");
        Run dirty = tinyvol("verify", "--cas", cas, "--volumes", volumes, "--volume", "web-1");
        assertEquals(TinyVolCli.DIFFERENCES, dirty.exit());
        assertTrue(dirty.out().contains("EXTRA stray: not in the manifest"), dirty.out());

        Run teardown = tinyvol("teardown", "--volumes", volumes, "--volume", "web-1", "--json");
        assertEquals("REMOVED", json.readTree(teardown.out()).get("outcome").asText());
        Run again = tinyvol("teardown", "--volumes", volumes, "--volume", "web-1");
        assertEquals(0, again.exit());
        assertTrue(again.out().contains("no such volume"), again.out());
    }

    @Test
    void failuresExitNonZeroWithOneLineNamingTheProblem() throws Exception {
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        tinyvol("cas", "ingest", Trees.rootfs(tmp.resolve("src")), "--cas", cas, "--ref", "root");
        Path hostile = tmp.resolve("hostile.json");
        Files.writeString(hostile, "{\"version\":2,\"entries\":{\"etc\":{\"symlink\":\"/etc\"},\"etc/passwd\":{\"digest\":\""
                + "a".repeat(64) + "\"}}}");
        List<String> before = Mount.snapshot(tmp);

        assertFailure(tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--manifest", hostile, "--volume", "x"),
                "tinyvol: PATH_CONFLICT: manifest file " + hostile + ": entries[\"etc/passwd\"]: lies below the symlink entry \"etc\"");
        assertFailure(tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "nope", "--volume", "x"),
                "tinyvol: MANIFEST_NOT_FOUND: no manifest named 'nope'");
        assertFailure(tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "root", "--volume", "../x"),
                "tinyvol: INVALID_VOLUME_NAME: volume name \"../x\" must start with a letter or digit");
        assertFailure(tinyvol("assemble", "--cas", tmp.resolve("nocas"), "--volumes", volumes, "--ref", "root", "--volume", "x"),
                "tinyvol: NOT_A_CAS: no TinyVol CAS at");
        List<String> after = new java.util.ArrayList<>(Mount.snapshot(tmp));
        after.removeAll(before);
        assertTrue(after.stream().allMatch(line -> line.endsWith(volumes.toString()) || line.contains(volumes + "/.tinyvol")),
                "only the volumes directory and its bookkeeping were created: " + after);
        assertFalse(Files.exists(volumes.resolve("x")));

        Run usage = tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--volume", "x");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("Missing required argument"), usage.err());
        Run both = tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "a", "--manifest", hostile, "--volume", "x");
        assertEquals(2, both.exit());
        // A request a worker would refuse is refused before it is sent (no broker is needed to see that).
        Run noVolume = tinyvol("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "ASSEMBLE", "--ref", "x");
        assertEquals(2, noVolume.exit());
        assertTrue(noVolume.err().startsWith("tinyvol: invalid request: volume: is required for ASSEMBLE"), noVolume.err());
        // Enum values in any case: the request is read as ASSEMBLE (and refused for its missing volume).
        Run lower = tinyvol("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "assemble", "--ref", "x");
        assertTrue(lower.err().startsWith("tinyvol: invalid request: volume: is required for ASSEMBLE"), lower.err());
    }

    private static void assertFailure(Run run, String expectedStart) {
        assertEquals(TinyVolCli.FAILED, run.exit(), run.out() + run.err());
        assertTrue(run.err().startsWith(expectedStart), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void demoRunsEndToEnd() {
        Run demo = tinyvol("demo", "--dir", tmp.resolve("demo"));
        assertEquals(0, demo.exit(), demo.err());
        assertTrue(demo.out().contains("4. verified web-1 (deep):"), demo.out());
        assertTrue(demo.out().contains("0 mismatched, 0 missing, 0 extra"), demo.out());
        // The commands to go on with run from anywhere, on any java: the checkout's bin/tinyvol, by absolute path.
        assertTrue(demo.out().contains("  " + Path.of("..").toAbsolutePath().normalize().resolve("bin/tinyvol") + " list --volumes "),
                demo.out());
        Run again = tinyvol("demo", "--dir", tmp.resolve("demo"));
        assertEquals(0, again.exit(), again.err());
    }
}
