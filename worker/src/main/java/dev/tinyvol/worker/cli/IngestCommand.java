package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.IngestReport;
import dev.tinyvol.worker.cas.Ingester;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tinyvol cas ingest DIR --cas C --ref NAME}. */
@Command(name = "ingest", header = "Stores a tree in the CAS and writes its manifest as a ref.",
        mixinStandardHelpOptions = true,
        description = {
                "Stores every regular file of DIR in the CAS once per (content, mode, owner) and writes a "
                + "manifest of the tree under refs/NAME.json. v2 (the default) keeps modes, owners, symlinks and "
                + "empty directories; v1 keeps regular files only, all as mode 0444 root. Device nodes, fifos and "
                + "sockets are skipped with a warning naming each. New blobs are made durable with one syncfs of the CAS filesystem before the ref is written."})
final class IngestCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "The tree to ingest.")
    Path source;

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS; created if missing.")
    Path cas;

    @Option(names = "--ref", paramLabel = "NAME", required = true,
            description = "Name to store the manifest under ([A-Za-z0-9][A-Za-z0-9._-]{0,127}).")
    String ref;

    @Option(names = "--format", paramLabel = "v1|v2", description = "Manifest format (default: ${DEFAULT-VALUE}).")
    String format = "v2";

    @Option(names = "--threads", paramLabel = "N", converter = Converters.PositiveCount.class, description = "Threads that hash and store files (default: ${DEFAULT-VALUE}).")
    int threads = 4;

    @Option(names = "--copy", paramLabel = "GLOB", split = ",", description = "Files volumes get a private copy of, "
            + "never a link or clone (files a workload rewrites in place), as globs over paths in the tree, e.g. "
            + "etc/machine-id,var/lib/db/** (repeatable; v2 manifests).")
    java.util.List<String> copy = java.util.List.of();

    @Option(names = "--strict", description = "Fail (SOURCE_CHANGED) when a file or directory vanishes while the tree is "
            + "read; without it what vanishes is left out with a warning naming it, as tar does.")
    boolean strict;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int version = switch (format) {
            case "v1", "1" -> 1;
            case "v2", "2" -> 2;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--format must be v1 or v2, not " + format);
        };
        PrintWriter out = spec.commandLine().getOut();
        if (!java.nio.file.Files.isDirectory(source)) {
            // Said before the CAS is created, so a mistyped source leaves no empty CAS behind.
            throw new dev.tinyvol.worker.errors.TinyVolException(dev.tinyvol.worker.errors.ErrorCode.INVALID_PATH,
                    source.toString(), source + (java.nio.file.Files.exists(source) ? " is not a directory"
                            : " does not exist") + "; give the directory tree to store");
        }
        IngestReport report;
        try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), true)) {
            report = new Ingester(Cas.create(cas), threads, strict).ingest(source, ref, version,
                    dev.tinyvol.worker.cas.CopyPaths.of(copy), progress);
        }
        if (output.json) {
            Output.json(out, report);
            return 0;
        }
        out.println("ingested " + source + " as " + ref + " (v" + report.format() + ")");
        Output.line(out, "files", report.files());
        Output.line(out, "dirs", report.dirs());
        Output.line(out, "symlinks", report.symlinks());
        Output.line(out, "new blobs", report.newBlobs());
        Output.line(out, "bytes", Output.bytes(report.bytes()) + " (" + Output.bytes(report.newBytes()) + " new)");
        Output.line(out, "skipped", report.skipped());
        Output.line(out, "time", Output.millis(report.durationMs()) + " (" + Output.rate(report.files(), report.durationMs()) + " files)");
        Output.line(out, "manifest", report.manifestId());
        Output.warnings(out, report.warnings());
        out.flush();
        return 0;
    }
}
