package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.VolumeLister.VolumeInfo;
import dev.tinyvol.worker.assembly.VolumeService;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tinyvol list}. */
@Command(name = "list", header = "Lists the volumes with their manifest, files, size and creation time.",
        mixinStandardHelpOptions = true)
final class ListCommand implements Callable<Integer> {

    @CommandLine.Option(names = "--volumes", paramLabel = "DIR", required = true,
            description = "The directory that holds assembled volumes.")
    java.nio.file.Path volumes;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<VolumeInfo> found;
        NodeOptions.requireExisting(volumes);
        // Listing reads one record per volume: one thread is plenty, and --threads would mean nothing here.
        try (VolumeService service = new VolumeService(null, dev.tinyvol.worker.assembly.VolumeStore.open(volumes), 1)) {
            found = service.list();
        }
        if (output.json) {
            Output.json(out, found);
            return 0;
        }
        out.printf("%-32s %-24s %10s %12s  %-9s %-10s %s%n", "VOLUME", "MANIFEST", "FILES", "SIZE", "IMPORT", "PROTECTION",
                "CREATED");
        for (VolumeInfo v : found) {
            if (v.recorded()) {
                out.printf("%-32s %-24s %10d %12s  %-9s %-10s %s%n", v.volume(), v.manifestName().isEmpty()
                        ? v.manifestId().substring(0, 12) : v.manifestName(), v.files(), Output.bytes(v.bytes()),
                        v.importMethod(), v.protection(), v.createdAt());
            } else {
                out.printf("%-32s %-24s %10s %12s  %-9s %-10s %s%n", v.volume(), "(no record)", "-", "-", "-", "-", "-");
            }
        }
        out.flush();
        return 0;
    }
}
