package dev.tinyvol.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tinyvol cas ...}: the content-addressed store. */
@Command(name = "cas", header = "Works with the CAS: ingest trees, pull images, list refs.",
        mixinStandardHelpOptions = true,
        subcommands = {IngestCommand.class, PullCommand.class, PushCommand.class, RefsCommand.class, StatsCommand.class, GcCommand.class, FsckCommand.class})
final class CasCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a cas command: ingest, pull, push, refs, stats, gc or fsck");
    }
}
