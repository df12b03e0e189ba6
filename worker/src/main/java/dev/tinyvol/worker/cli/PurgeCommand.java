package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.PurgeReport;
import dev.tinyvol.worker.assembly.TeardownReport;
import dev.tinyvol.worker.assembly.VolumeService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol purge}. */
@Command(name = "purge", header = "Removes every volume, and staging left by interrupted work.",
        mixinStandardHelpOptions = true,
        description = {
                "Removes every volume, and staging left by interrupted work. A volume with a filesystem mounted "
                + "inside it is refused and left whole (the exit code is then 1); the others are removed."})
final class PurgeCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Option(names = "--dry-run", description = "List what would be removed; remove nothing.")
    boolean dryRun;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PurgeReport report;
        try (VolumeService service = node.openExisting(null)) {
            report = service.purge(dryRun, () -> AssembleCommand.waiting(err, "(one of those being purged)"));
        }
        if (output.json) {
            Output.json(out, report);
        } else {
            for (TeardownReport r : report.volumes()) {
                TeardownCommand.print(out, r);
            }
            out.println((dryRun ? "would remove " : "removed ") + report.volumes().size() + " volumes in "
                    + Output.millis(report.durationMs()));
            out.flush();
        }
        for (PurgeReport.Failure f : report.failures()) {
            err.println("tinyvol: " + f.code() + ": " + f.message());
        }
        err.flush();
        return report.failures().isEmpty() ? 0 : TinyVolCli.FAILED;
    }
}
