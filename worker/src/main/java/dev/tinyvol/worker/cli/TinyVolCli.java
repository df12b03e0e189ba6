package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.errors.TinyVolException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tinyvol} command line. */
@Command(name = "tinyvol",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
                "Keeps a node's file data once in a content-addressed store (CAS) and assembles directory trees",
                "(volumes) from manifests by hard-linking files out of it.",
                "",
                "Exit codes: 0 success, 1 the operation failed (the reason is on stderr), 2 bad usage,",
                "3 verify found differences."},
        subcommands = {
                CasCommand.class,
                AssembleCommand.class,
                TeardownCommand.class,
                PurgeCommand.class,
                VerifyCommand.class,
                ListCommand.class,
                WorkerCommand.class,
                SubmitCommand.class,
                ResultsCommand.class,
                FleetCommand.class,
                DemoCommand.class,
                BenchCommand.class,
                AotTrainCommand.class,
                CommandLine.HelpCommand.class})
public final class TinyVolCli implements Runnable {

    /** Exit code of an operation that failed. */
    public static final int FAILED = 1;
    /** Exit code of a verify that found differences. */
    public static final int DIFFERENCES = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see the list above)");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with TinyVol's error handling: one line on stderr naming the code and the fix. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TinyVolCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof TinyVolException t) {
                err.println("tinyvol: " + t.code() + ": " + oneLine(t.getMessage()));
            } else if (e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException) {
                // Written for people already (Kafka not reachable, a topic missing, a file unreadable).
                err.println("tinyvol: ERROR: " + oneLine(String.valueOf(e.getMessage())));
            } else {
                err.println("tinyvol: " + e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage())));
                if (System.getenv("TINYVOL_DEBUG") != null) {
                    e.printStackTrace(err);
                }
            }
            err.flush();
            return FAILED;
        });
        return cli;
    }

    private static String oneLine(String message) {
        return message.replace('\n', ' ');
    }
}
