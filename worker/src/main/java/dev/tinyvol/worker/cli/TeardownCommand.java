package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.TeardownReport;
import dev.tinyvol.worker.assembly.VolumeService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol teardown}. */
@Command(name = "teardown", header = "Removes a volume; its blobs stay in the CAS.",
        mixinStandardHelpOptions = true,
        description = {
                "Removes volume NAME. An absent volume is not an error. A volume with a filesystem mounted "
                + "inside it is refused and left whole. Symlinks are removed, never followed; blobs stay in the "
                + "CAS."})
final class TeardownCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Option(names = "--volume", paramLabel = "NAME", required = true, description = "The volume to remove.")
    String volume;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TeardownReport report;
        try (VolumeService service = node.openExisting(null)) {
            report = service.teardown(volume, () -> AssembleCommand.waiting(spec.commandLine().getErr(), volume));
        }
        if (output.json) {
            Output.json(out, report);
            return 0;
        }
        print(out, report);
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, TeardownReport report) {
        switch (report.outcome()) {
            case ABSENT -> out.println(report.volume() + ": no such volume; nothing to remove");
            case WOULD_REMOVE -> out.println(report.volume() + ": would be removed (" + report.filesRemoved() + " files, "
                    + report.symlinksRemoved() + " symlinks, " + report.dirsRemoved() + " dirs)");
            case REMOVED -> out.println("removed " + report.volume() + ": " + report.filesRemoved() + " files, "
                    + report.symlinksRemoved() + " symlinks, " + report.dirsRemoved() + " dirs in " + Output.millis(report.durationMs()));
        }
        Output.warnings(out, report.warnings());
    }
}
