package dev.tinyvol.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tinyvol fleet ...}: one request to many nodes. */
@Command(name = "fleet", header = "Rolls an assembly out to many nodes, or tears a volume down on them.",
        mixinStandardHelpOptions = true,
        subcommands = {FleetAssembleCommand.class, FleetTeardownCommand.class})
final class FleetCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a fleet command: assemble or teardown");
    }
}
