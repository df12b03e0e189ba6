package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.Worker;
import dev.tinyvol.worker.config.ConfigException;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.config.WorkerSettings;
import dev.tinyvol.worker.kafka.WorkerLoop;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code tinyvol worker --config FILE}. */
@Command(name = "worker", header = "Runs the node's worker: serves requests from Kafka.",
        mixinStandardHelpOptions = true,
        description = {
                "Runs the node's worker: consumes assemble, teardown, verify, list, purge and gc requests from "
                + "tinyvol.requests.<node>, carries them out against the local CAS and volumes, and publishes a "
                + "result for each to tinyvol.results in the same Kafka transaction as the consumer offset. "
                + "SIGTERM or Ctrl-C: stop polling, finish running requests (up to shutdown.grace), commit, exit "
                + "0. Exit 4 when another worker with the same node id took over (fenced). Every key of FILE can "
                + "be overridden by an environment variable TINYVOL_<KEY> (dots as underscores)."})
final class WorkerCommand implements Callable<Integer> {

    static final int FENCED = 4;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Worker properties (see config/worker.properties, or --help-config).")
    Path config;

    @Option(names = "--help-config",
            description = "Print every setting with its documentation and default, as a properties file, and exit.")
    boolean helpConfig;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (helpConfig) {
            spec.commandLine().getOut().print(WorkerSettings.propertiesTemplate());
            spec.commandLine().getOut().flush();
            return 0;
        }
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--config=FILE'");
        }
        WorkerConfig settings;
        try {
            settings = WorkerConfig.load(config, System.getenv());
        } catch (ConfigException e) {
            // Every problem at once, then the unknown keys (a mistyped key is often why another is missing).
            e.lines().forEach(line -> spec.commandLine().getErr().println("tinyvol: CONFIG: " + line));
            e.warnings().forEach(w -> spec.commandLine().getErr().println("tinyvol: warning: " + w));
            spec.commandLine().getErr().flush();
            return TinyVolCli.FAILED;
        }
        try (Worker worker = new Worker(settings)) {
            // Handle the signals ourselves, so a requested stop can finish its work and exit 0.
            Signal.handle(new Signal("TERM"), s -> worker.stop("SIGTERM received"));
            Signal.handle(new Signal("INT"), s -> worker.stop("SIGINT (Ctrl-C) received"));
            WorkerLoop.Exit exit = worker.run();
            return switch (exit) {
                case STOPPED -> 0;
                case FENCED -> FENCED;
                case FAILED -> TinyVolCli.FAILED;
            };
        }
    }
}
