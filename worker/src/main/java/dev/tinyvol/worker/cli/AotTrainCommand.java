package dev.tinyvol.worker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinyvol aot-train}: the training run behind {@code bin/tinyvol}'s ahead-of-time cache
 * (JDK 25, JEP 483/514/515). A cache records what a run loaded and linked, so it is only as good as
 * its training: this runs the everyday commands, in one JVM, on a small sample tree, exactly as
 * people type them (through picocli), and prints nothing. Hidden from the help: bin/tinyvol runs it.
 */
@Command(name = "aot-train", header = "Trains bin/tinyvol's start-up cache.",
        hidden = true, mixinStandardHelpOptions = true,
        description = "The training run for bin/tinyvol's start-up cache: runs the everyday commands on sample data.")
final class AotTrainCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch directory (removed afterwards).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        Path root = dir != null ? dir : Files.createTempDirectory("tinyvol-aot-train");
        String demo = root.resolve("demo").toString();
        String cas = root.resolve("demo/cas").toString();
        String volumes = root.resolve("demo/volumes").toString();
        String sample = root.resolve("demo/sample").toString();
        List<String[]> runs = List.of(
                new String[] {"--help"},
                new String[] {"demo", "--dir", demo},
                new String[] {"cas", "ingest", sample, "--cas", cas, "--ref", "train"},
                new String[] {"cas", "refs", "--cas", cas},
                new String[] {"assemble", "--cas", cas, "--volumes", volumes, "--ref", "train", "--volume", "t1"},
                new String[] {"assemble", "--cas", cas, "--volumes", volumes, "--ref", "train", "--volume", "t1"},
                new String[] {"assemble", "--cas", cas, "--volumes", volumes, "--ref", "train", "--volume", "t2", "--json"},
                new String[] {"verify", "--cas", cas, "--volumes", volumes, "--volume", "t1"},
                new String[] {"verify", "--cas", cas, "--volumes", volumes, "--volume", "t1", "--deep", "--json"},
                new String[] {"list", "--volumes", volumes},
                new String[] {"list", "--volumes", volumes, "--json"},
                new String[] {"teardown", "--volumes", volumes, "--volume", "t1"},
                new String[] {"purge", "--volumes", volumes, "--dry-run"},
                new String[] {"purge", "--volumes", volumes},
                new String[] {"assemble", "--help"});
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream());
        int failed = 0;
        for (String[] args : runs) {
            CommandLine cli = TinyVolCli.commandLine(args);
            cli.setOut(nowhere);
            cli.setErr(nowhere);
            if (cli.execute(args) != 0) {
                failed++;
            }
        }
        deleteTree(root);
        return failed == 0 ? 0 : TinyVolCli.FAILED;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
