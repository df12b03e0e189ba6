package dev.tinyvol.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tinyvol fleet ...}: one request to many nodes. */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Roll an assembly out to many nodes, or tear a volume down on many nodes.",
        subcommands = {FleetAssembleCommand.class, FleetTeardownCommand.class})
final class FleetCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a fleet command: assemble or teardown");
    }
}
