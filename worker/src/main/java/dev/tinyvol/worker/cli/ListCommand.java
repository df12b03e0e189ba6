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
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the volumes with their manifest, file count, logical size and creation time.")
final class ListCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<VolumeInfo> volumes;
        try (VolumeService service = node.openExisting(null)) {
            volumes = service.list();
        }
        if (output.json) {
            Output.json(out, volumes);
            return 0;
        }
        out.printf("%-32s %-24s %10s %12s  %s%n", "VOLUME", "MANIFEST", "FILES", "SIZE", "CREATED");
        for (VolumeInfo v : volumes) {
            if (v.recorded()) {
                out.printf("%-32s %-24s %10d %12s  %s%n", v.volume(), v.manifestName().isEmpty() ? v.manifestId().substring(0, 12)
                        : v.manifestName(), v.files(), Output.bytes(v.bytes()), v.createdAt());
            } else {
                out.printf("%-32s %-24s %10s %12s  %s%n", v.volume(), "(no record)", "-", "-", "-");
            }
        }
        out.flush();
        return 0;
    }
}
