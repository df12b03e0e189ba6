package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input on every command ends in exit 2 (usage) or 1 (the operation failed) with exactly one
 * line on stderr, and never a Java class name or a stack frame: option values are checked by picocli
 * converters, failures are TinyVol's own messages, anything else is INTERNAL without the class.
 */
class BadInputTest {

    private static final Pattern JAVA_INTERNALS = Pattern.compile(
            "[A-Z][A-Za-z]*(Exception|Error)\\b|\\bat [a-z]+\\.[a-z]+\\.|\\bjava\\.[a-z]+\\.|\\bcom\\.fasterxml\\b");

    @TempDir
    static Path tmp;

    static Stream<Arguments> badInputs() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory\n");
        String cas = tmp.resolve("cas").toString();
        String vols = tmp.resolve("volumes").toString();
        List<Arguments> cases = new ArrayList<>();
        // Usage errors: exit 2.
        for (String threads : new String[] {"0", "-1", "many"}) {
            cases.add(usage("assemble", "--cas", cas, "--volumes", vols, "--volume", "v", "--ref", "r", "--threads", threads));
            cases.add(usage("teardown", "--volumes", vols, "--volume", "v", "--threads", threads));
            cases.add(usage("purge", "--volumes", vols, "--threads", threads));
            cases.add(usage("verify", "--cas", cas, "--volumes", vols, "--volume", "v", "--threads", threads));
            cases.add(usage("cas", "ingest", tmp.toString(), "--cas", cas, "--ref", "r", "--threads", threads));
            cases.add(usage("bench", "--dir", tmp.resolve("b").toString(), "--threads", threads));
            cases.add(usage("cas", "fsck", "--cas", cas, "--threads", threads));
            cases.add(usage("assemble", "--cas", cas, "--volumes", vols, "--volume", "v", "--ref", "r", "--import-method", threads));
        }
        cases.add(usage("bench", "--dir", tmp.resolve("b").toString(), "--files", "-5"));
        cases.add(usage("bench", "--dir", tmp.resolve("b").toString(), "--rounds", "0"));
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "LIST", "--deadline", "soon"));
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "LIST", "--wait", "--timeout", "soon"));
        cases.add(usage("fleet", "assemble", "--bootstrap", "127.0.0.1:1", "--nodes", "a", "--ref", "r", "--volume", "v",
                "--timeout", "soon"));
        cases.add(usage("fleet", "teardown", "--bootstrap", "127.0.0.1:1", "--nodes", "a", "--volume", "v", "--wait",
                "--timeout", "5 minutes"));
        cases.add(usage("results", "--bootstrap", "127.0.0.1:1", "--for", "soon"));
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "ASSEMBLE", "--volume", "v",
                "--ref", "r", "--import-method", "reflink"));
        cases.add(usage("results", "--kafka-config", tmp.resolve("nope.properties").toString()));
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "bad node", "--action", "LIST"));
        // An option the action would drop is refused, not ignored (issue 21, first hour item 13).
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "TEARDOWN", "--volume", "v", "--ref", "x"));
        cases.add(usage("submit", "--bootstrap", "127.0.0.1:1", "--node", "n", "--action", "LIST", "--volume", "v"));
        cases.add(usage("fleet", "teardown", "--bootstrap", "127.0.0.1:1", "--nodes", "a,b/c", "--volume", "v"));
        cases.add(usage("cas", "pull", "debian:12", "--cas", cas));
        cases.add(usage("cas", "pull", "127.0.0.1:1/base/debian:12", "--cas", cas, "--ref", "a/b"));
        cases.add(usage("cas", "pull", "127.0.0.1:1/base/debian:12", "--cas", cas, "--platform", "amd64"));
        cases.add(failure("cas", "pull", "127.0.0.1:1/base/debian:12", "--cas", cas, "--json"));
        cases.add(usage("list"));
        cases.add(usage("assemble", "--cas", cas));
        cases.add(usage("nosuch"));
        cases.add(usage("list", "--volumes", vols, "--no-such-option"));
        // Failures: exit 1, one line naming the problem.
        cases.add(failure("assemble", "--cas", file.toString(), "--volumes", vols, "--volume", "v", "--ref", "r"));
        cases.add(failure("cas", "ingest", tmp.toString(), "--cas", file.toString(), "--ref", "r"));
        cases.add(failure("assemble", "--cas", cas, "--volumes", file.toString(), "--volume", "v", "--ref", "r"));
        cases.add(failure("cas", "ingest", tmp.resolve("nope").toString(), "--cas", cas, "--ref", "r"));
        cases.add(failure("cas", "fsck", "--cas", file.toString()));
        cases.add(failure("cas", "ingest", tmp.toString(), "--cas", cas, "--ref", "r", "--copy", "/etc/machine-id"));
        cases.add(failure("cas", "ingest", tmp.toString(), "--cas", cas, "--ref", "r", "--copy", "etc/machine-id", "--format", "v1"));
        cases.add(failure("cas", "fsck", "--cas", tmp.resolve("nope").toString(), "--json"));
        cases.add(failure("cas", "ingest", tmp.toString(), "--cas", cas, "--ref", "a/b"));
        cases.add(failure("assemble", "--cas", cas, "--volumes", vols, "--volume", "../x", "--ref", "r"));
        cases.add(failure("assemble", "--cas", cas, "--volumes", vols, "--volume", "v", "--manifest", file.toString()));
        cases.add(failure("assemble", "--cas", cas, "--volumes", vols, "--volume", "v", "--ref", "nope", "--json"));
        cases.add(failure("verify", "--cas", cas, "--volumes", vols, "--volume", "nosuch", "--json"));
        cases.add(usage("fleet", "teardown", "--bootstrap", "127.0.0.1:1", "--nodes-file", tmp.resolve("nope").toString(),
                "--volume", "v"));
        // Kafka not there: every command that talks to it says so, after --connect-timeout.
        for (String[] command : new String[][] {
                {"submit", "--node", "n", "--action", "list"},
                {"submit", "--node", "n", "--action", "list", "--wait", "--json"},
                {"results"},
                {"fleet", "teardown", "--nodes", "a,b", "--volume", "v"},
                {"fleet", "assemble", "--nodes", "a", "--volume", "v", "--ref", "r", "--json"}}) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--bootstrap", "127.0.0.1:1", "--connect-timeout", "1s"));
            cases.add(Arguments.of(1, args));
        }
        // Read-only commands never create a directory that is not there.
        cases.add(failure("list", "--volumes", tmp.resolve("typo").toString()));
        cases.add(failure("list", "--volumes", file.toString(), "--json"));
        cases.add(failure("purge", "--volumes", tmp.resolve("typo").toString(), "--dry-run"));
        cases.add(failure("verify", "--cas", cas, "--volumes", tmp.resolve("typo").toString(), "--volume", "v"));
        // Nor do the commands that delete (before: "no such volume; nothing to remove", exit 0, and the
        // directory made with .tinyvol/ inside it).
        cases.add(failure("teardown", "--volumes", tmp.resolve("typo").toString(), "--volume", "x"));
        cases.add(failure("purge", "--volumes", tmp.resolve("typo").toString()));
        // A failed ingest into a new CAS leaves no empty CAS behind.
        cases.add(failure("cas", "ingest", tmp.resolve("no-such-dir").toString(), "--cas", tmp.resolve("typo").toString(),
                "--ref", "r"));
        return cases.stream();
    }

    private static Arguments usage(String... args) {
        return Arguments.of(2, List.of(args));
    }

    private static Arguments failure(String... args) {
        return Arguments.of(1, List.of(args));
    }

    @ParameterizedTest(name = "exit {0}: tinyvol {1}")
    @MethodSource("badInputs")
    void oneLineNoJavaInternals(int exit, List<String> args) throws Exception {
        Files.createDirectories(tmp.resolve("cas/objects"));
        CliTest.Run run = CliTest.tinyvol(args.toArray());
        assertEquals(exit, run.exit(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + run.err());
        assertFalse(JAVA_INTERNALS.matcher(run.err() + run.out()).find(), "Java internals shown: " + run.err() + run.out());
        assertFalse(run.err().contains("Usage:"), "no usage dump on an error: " + run.err());
        assertFalse(Files.exists(tmp.resolve("typo")), "a read-only command created the directory it was given");
        if (args.contains("--connect-timeout")) {
            assertTrue(run.err().startsWith("tinyvol: KAFKA_UNREACHABLE: cannot reach Kafka at 127.0.0.1:1 (no answer within 1 s)"),
                    "the cause, not a missing topic: " + run.err());
        }
        if (run.err().contains("IO_ERROR")) {
            assertTrue(run.err().contains(tmp.toString()), "every I/O error names its path: " + run.err());
        }
        if (args.contains("--nodes-file")) {
            assertTrue(run.err().contains("nope: No such file or directory (ENOENT)"), "the path and the cause: " + run.err());
        }
        if (args.contains("--json")) {
            // Machines get the failure as JSON on stdout: code, message, path.
            var error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out()).get("error");
            assertEquals(lines.get(0), "tinyvol: " + error.get("code").asText() + ": " + error.get("message").asText());
        }
    }
}
