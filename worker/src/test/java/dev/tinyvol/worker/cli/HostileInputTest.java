package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every hostile manifest and volume name of the foundation issue, through the command line: a
 * non-zero exit, one line naming the problem, and nothing created or removed outside the volumes
 * directory (whose own bookkeeping is all that may appear).
 */
class HostileInputTest {

    static final String A = "a".repeat(64);

    @TempDir
    static Path shared;

    Path cas;
    Path volumes;

    @BeforeEach
    void setUp() throws Exception {
        cas = shared.resolve("cas");
        volumes = shared.resolve("volumes");
        if (!Files.exists(cas)) {
            Trees.file(shared.resolve("src"), "f", "content\n", 0644);
            assertEquals(0, CliTest.tinyvol("cas", "ingest", shared.resolve("src"), "--cas", cas, "--ref", "ok").exit());
        }
    }

    static Stream<Arguments> hostileManifests() {
        String present = "\"digest\":\"" + sha("content\n") + "\"";
        return Stream.of(
                Arguments.of("dotdot first", v2("../escape", present), "INVALID_PATH", "path contains '..'"),
                Arguments.of("dotdot middle", v2("a/../../etc/passwd", present), "INVALID_PATH", "path contains '..'"),
                Arguments.of("dotdot last", v2("a/..", present), "INVALID_PATH", "path contains '..'"),
                Arguments.of("absolute", v2("/etc/passwd", present), "INVALID_PATH", "path is absolute"),
                Arguments.of("empty path", v2("", present), "INVALID_PATH", "path is empty"),
                Arguments.of("NUL", v2("a\\u0000b", present), "INVALID_PATH", "NUL"),
                Arguments.of("long name", v2("n".repeat(256), present), "INVALID_PATH", "segment is longer than 255 bytes"),
                Arguments.of("long path", v2("abcdefgh/".repeat(430) + "f", present), "INVALID_PATH", "longer than 3800 bytes"),
                Arguments.of("file and dir", "{\"objects\":{\"a\":\"" + A + "\",\"a/b\":\"" + A + "\"}}", "PATH_CONFLICT", "both a file and a directory"),
                Arguments.of("below symlink", "{\"version\":2,\"entries\":{\"etc\":{\"symlink\":\"/etc\"},\"etc/passwd\":{" + present + "}}}",
                        "PATH_CONFLICT", "below the symlink entry"),
                Arguments.of("digest with slash", v2("f", "\"digest\":\"../" + "a".repeat(61) + "\""), "INVALID_DIGEST", "64 lowercase hex"),
                Arguments.of("uppercase digest", v2("f", "\"digest\":\"" + "A".repeat(64) + "\""), "INVALID_DIGEST", "64 lowercase hex"),
                Arguments.of("short digest", v2("f", "\"digest\":\"" + "a".repeat(63) + "\""), "INVALID_DIGEST", "64 lowercase hex"),
                Arguments.of("no such blob", v2("f", "\"digest\":\"" + "d".repeat(64) + "\""), "BLOB_MISSING", "is not in the CAS"),
                Arguments.of("mode not octal", v2("f", present + ",\"mode\":\"0989\""), "INVALID_MODE", "octal string"),
                Arguments.of("mode too big", v2("f", present + ",\"mode\":\"77777\""), "INVALID_MODE", "octal string"),
                Arguments.of("not json", "{nope", "MALFORMED_MANIFEST", "not valid JSON"),
                Arguments.of("unknown version", "{\"version\":9,\"entries\":{}}", "UNSUPPORTED_MANIFEST_VERSION", "version 9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileManifests")
    void refusedWithTheProblemNamedAndNothingOutsideTouched(String name, String json, String code, String detail) throws Exception {
        Path manifest = shared.resolve("hostile.json");
        Files.writeString(manifest, json);
        List<String> before = Mount.snapshot(shared);
        CliTest.Run run = CliTest.tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--manifest", manifest, "--volume", "v");
        assertEquals(TinyVolCli.FAILED, run.exit(), run.out() + run.err());
        assertTrue(run.err().startsWith("tinyvol: " + code + ": "), run.err());
        assertTrue(run.err().contains(detail), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(Files.exists(volumes.resolve("v")));
        assertOnlyBookkeepingChanged(before);
    }

    static Stream<String> hostileVolumeNames() {
        return Stream.of("..", ".", "a/b", "/x", "", "x".repeat(129), ".tinyvol", "-x");
    }

    @ParameterizedTest(name = "volume \"{0}\"")
    @MethodSource("hostileVolumeNames")
    void hostileVolumeNamesAreRefusedByEveryCommand(String volume) throws Exception {
        List<String> before = Mount.snapshot(shared);
        for (CliTest.Run run : List.of(
                CliTest.tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "ok", "--volume", volume),
                CliTest.tinyvol("teardown", "--volumes", volumes, "--volume", volume),
                CliTest.tinyvol("verify", "--cas", cas, "--volumes", volumes, "--ref", "ok", "--volume", volume))) {
            assertEquals(TinyVolCli.FAILED, run.exit(), run.out() + run.err());
            assertTrue(run.err().startsWith("tinyvol: INVALID_VOLUME_NAME: volume name "), run.err());
        }
        assertOnlyBookkeepingChanged(before);
    }

    private void assertOnlyBookkeepingChanged(List<String> before) throws Exception {
        List<String> after = Mount.snapshot(shared);
        List<String> added = new ArrayList<>(after);
        added.removeAll(before);
        List<String> removed = new ArrayList<>(before);
        removed.removeAll(after);
        removed.removeIf(line -> line.contains(volumes.toString()) || line.endsWith(shared.toString()) || line.endsWith("hostile.json"));
        added.removeIf(line -> line.contains(volumes.toString()) || line.endsWith(shared.toString()) || line.endsWith("hostile.json"));
        assertEquals(List.of(), added, "created outside the volumes directory");
        assertEquals(List.of(), removed, "changed or removed outside the volumes directory");
    }

    private static String v2(String path, String entry) {
        return "{\"version\":2,\"entries\":{\"" + path + "\":{" + entry + "}}}";
    }

    private static String sha(String content) {
        try {
            return Trees.sha256(content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
