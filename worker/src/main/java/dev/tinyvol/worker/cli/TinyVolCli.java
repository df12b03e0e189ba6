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
                "Keeps a node's file data once in a content-addressed store (CAS) and assembles directory trees "
                + "(volumes) from manifests by hard-linking files out of it.",
                "",
                "Exit codes: 0 success, 1 the operation failed (the reason is on stderr), 2 bad usage, "
                + "3 verify found differences."})
public final class TinyVolCli implements Runnable {

    /**
     * The commands, in help order. Registered in code, not in the annotation, so a run that names
     * its command builds only that command's model: picocli reads every option of every command it
     * is given, which cost a short run 0.1-0.2 s of its start.
     */
    private static final java.util.Map<String, Class<?>> COMMANDS = commands(CasCommand.class, AssembleCommand.class,
            TeardownCommand.class, PurgeCommand.class, VerifyCommand.class, ListCommand.class, WorkerCommand.class,
            SubmitCommand.class, ResultsCommand.class, FleetCommand.class, AclsCommand.class, DemoCommand.class, BenchCommand.class,
            AotTrainCommand.class, CommandLine.HelpCommand.class);

    private static java.util.Map<String, Class<?>> commands(Class<?>... classes) {
        java.util.Map<String, Class<?>> byName = new java.util.LinkedHashMap<>();
        for (Class<?> c : classes) {
            byName.put(c.getAnnotation(Command.class).name(), c);
        }
        return byName;
    }

    /** Exit code of an operation that failed. */
    public static final int FAILED = 1;
    /** Exit code of a command line that could not be understood. */
    public static final int USAGE = 2;
    /** Exit code of a verify that found differences. */
    public static final int DIFFERENCES = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // As git does: the list of commands, then one line saying what was missing.
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see the list above)");
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("worker")) {
            // Before the first logger exists: the worker logs at INFO, other commands at WARN.
            System.setProperty(dev.tinyvol.worker.logging.CommandLineLogging.WORKER_PROPERTY, "true");
        }
        warmUpSystemCalls();
        System.exit(commandLine(args).execute(args));
    }

    /**
     * Binding the C library through the FFM API costs a fresh JVM about 0.1 s; do it on the other
     * core while picocli reads the command line, rather than on the first file operation.
     */
    private static void warmUpSystemCalls() {
        Thread warm = new Thread(() -> {
            try {
                dev.tinyvol.worker.posix.PosixFiles.lstat(java.nio.file.Path.of("/"));
            } catch (java.io.IOException | RuntimeException | LinkageError ignored) {
                // The first real call reports any problem.
            }
        }, "tinyvol-warm-up");
        warm.setDaemon(true);
        warm.start();
    }

    /** One line: the word is no command, the closest ones, and where the list is. */
    private static int notACommand(CommandLine cli, String word) {
        java.util.List<String> near = dev.tinyvol.worker.config.Closest.to(word, COMMANDS.keySet(), 2);
        PrintWriter err = cli.getErr();
        err.println("tinyvol: '" + word + "' is not a command" + (near.isEmpty() ? ";" : "; did you mean '"
                + String.join("' or '", near) + "'?") + " see 'tinyvol --help' for the list");
        err.flush();
        return USAGE;
    }

    /** The command line with every command (help listings, tests). */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: with only the command they name when they name one (its
     * own {@code --help} and errors are the same), else with every command, so a bare or mistyped
     * command gets the full list and picocli's "did you mean".
     */
    public static CommandLine commandLine(String[] args) {
        CommandLine cli = new CommandLine(new TinyVolCli());
        Class<?> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (named != null && named != CommandLine.HelpCommand.class) {
            cli.addSubcommand(args[0], named);
        } else {
            COMMANDS.forEach(cli::addSubcommand);
        }
        // "Usage:" first, then the one-line header (the summary the command list shows), then the details.
        java.util.List<String> sections = new java.util.ArrayList<>(cli.getHelpSectionKeys());
        sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
        sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
        int synopsis = sections.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS);
        sections.addAll(synopsis + 1, java.util.List.of(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER));
        cli.setHelpSectionKeys(sections);
        Converters.register(cli);
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --action assemble as well as ASSEMBLE
        if (args.length > 0 && named == null && !args[0].startsWith("-")) {
            // A mistyped command is an error with a suggestion, whatever follows it (--help included:
            // before, 'tinyvol assmeble --help' printed the top help and exited 0).
            String word = args[0];
            cli.setExecutionStrategy(parseResult -> notACommand(cli, word));
            cli.setParameterExceptionHandler((e, commandArgs) -> notACommand(cli, word));
            return cli;
        }
        cli.setParameterExceptionHandler((e, commandArgs) -> {
            // A usage error is one line naming the option and where help is, never the whole usage text.
            PrintWriter err = e.getCommandLine().getErr();
            err.println("tinyvol: " + oneLine(e.getMessage()) + "; see '" + e.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help'");
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            String code;
            String message;
            String path = null;
            // Settings, TLS, credentials or ACLs, through whichever client or wrapper: said as such, not "a defect".
            dev.tinyvol.client.ClientFailure kafkaFailure = dev.tinyvol.client.KafkaFailures.classify(e);
            if (e instanceof TinyVolException t) {
                code = t.code().name();
                message = oneLine(t.getMessage());
                path = t.path();
            } else if (e instanceof java.io.UncheckedIOException u) {
                // An I/O error is its path and its cause in words, whoever let it through.
                TinyVolException t = dev.tinyvol.worker.errors.IoErrors.classify(u.getCause(), commandLine.getCommandName());
                code = t.code().name();
                // A message written where it was thrown says what was being done (e.g. which http.port): keep it.
                boolean written = u.getMessage() != null && !u.getMessage().equals(String.valueOf(u.getCause()));
                message = oneLine(written ? u.getMessage() : t.getMessage());
                path = t.path();
            } else if (kafkaFailure != null) {
                code = kafkaFailure.code();
                message = oneLine(kafkaFailure.getMessage());
            } else if (e instanceof dev.tinyvol.client.ClientFailure f) {
                code = f.code();
                message = oneLine(f.getMessage());
            } else if (e instanceof IllegalStateException) {
                // Written for people already (Kafka not reachable, a topic missing, a file unreadable).
                code = "ERROR";
                message = oneLine(String.valueOf(e.getMessage()));
            } else {
                // Never a Java class name for people: say it is ours to fix and how to see more.
                code = "INTERNAL";
                message = (e.getMessage() == null ? "an unexpected error" : oneLine(e.getMessage()))
                        + "; this is a defect in tinyvol: run again with TINYVOL_DEBUG=1 for the details and report them";
            }
            err.println("tinyvol: " + code + ": " + message);
            if (code.equals("INTERNAL") && System.getenv("TINYVOL_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            if (commandLine.getParseResult().hasMatchedOption("--json")) {
                // Machines asked for JSON: they get the failure as JSON on stdout too.
                PrintWriter out = commandLine.getOut();
                out.println(Output.errorJson(code, message, path));
                out.flush();
            }
            return FAILED;
        });
        return cli;
    }

    private static String oneLine(String message) {
        return message.replace('\n', ' ');
    }
}
