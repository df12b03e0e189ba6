package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.VerifyReport;
import dev.tinyvol.worker.assembly.VolumeService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol verify}. */
@Command(name = "verify", header = "Compares a volume with its manifest.",
        mixinStandardHelpOptions = true,
        description = {
                "Compares volume NAME with a manifest (by default the one it was built from): every file the "
                + "same inode as its blob, with its mode, owner and untouched mtime; symlink targets; directory "
                + "modes and owners; nothing missing, nothing extra. --deep also hashes every file's content. "
                + "Exits 3 if anything differs."})
final class VerifyCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The content-addressed store.")
    java.nio.file.Path cas;

    @Mixin
    NodeOptions node;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    ManifestOptions manifest;

    @Option(names = "--volume", paramLabel = "NAME", required = true, description = "The volume to check.")
    String volume;

    @Option(names = "--deep", description = "Also hash every file and compare it with its digest.")
    boolean deep;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        VerifyReport report;
        long files;
        try (VolumeService service = node.openExisting(cas);
             ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), !output.json)) {
            report = manifest == null ? service.verify(volume, deep, progress)
                    : service.verify(volume, manifest.load(service.cas()), deep, progress);
            files = service.volumes().record(volume).map(r -> r.files()).orElse(-1L);
        }
        if (output.json) {
            Output.json(out, report);
        } else if (wrongCas(report, files)) {
            // Every file is a link to a blob this CAS lacks: not 300 lines of damage, but one of a wrong --cas.
            spec.commandLine().getErr().println("tinyvol: NOT_THIS_CAS: none of the " + report.mismatched() + " files of "
                    + "volume " + report.volume() + " is a link into the CAS at " + cas + ": check --cas (the volume was "
                    + "assembled from another CAS)");
            spec.commandLine().getErr().flush();
        } else {
            out.println((report.clean() ? "verified " : "DIFFERENCES in ") + report.volume() + (deep ? " (deep)" : ""));
            Output.line(out, "verified", report.verified());
            Output.line(out, "mismatched", report.mismatched());
            Output.line(out, "missing", report.missing());
            Output.line(out, "extra", report.extra());
            Output.line(out, "duration", Output.millis(report.durationMs()));
            for (VerifyReport.Problem p : report.problems()) {
                out.println("  " + p.kind() + " " + p.path() + ": " + p.detail());
            }
            out.flush();
        }
        return report.clean() ? 0 : TinyVolCli.DIFFERENCES;
    }

    /**
     * No file of the volume (its record says how many) is a link into this CAS: each is a link to a blob
     * the CAS lacks, or to another inode than the CAS's blob of that content.
     */
    private static boolean wrongCas(VerifyReport report, long files) {
        return files > 0 && report.mismatched() == files && report.missing() == 0 && report.extra() == 0
                && report.problems().stream().allMatch(p -> p.detail().endsWith("is no longer in the CAS")
                        || p.detail().startsWith("not a link to blob "));
    }
}
