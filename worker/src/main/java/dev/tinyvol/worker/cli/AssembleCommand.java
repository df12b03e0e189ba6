package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.ImportMethod;
import dev.tinyvol.worker.assembly.AssemblyReport;
import dev.tinyvol.worker.assembly.VolumeService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol assemble}. */
@Command(name = "assemble", header = "Builds a volume from a manifest, hard-linking files from the CAS.",
        mixinStandardHelpOptions = true,
        description = {
                "Builds volume NAME from a manifest: directories created, files hard-linked to their blob "
                + "instances, symlinks created, all in a staging directory that is renamed into place when whole. "
                + "Where a link is impossible (the CAS on another filesystem, a blob at its link limit) the file "
                + "is copied with a warning, or the assembly fails with --no-copy-fallback. Assembling the "
                + "manifest a volume already holds changes nothing. The volumes directory is created if missing."})
final class AssembleCommand implements Callable<Integer> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AssembleCommand.class);

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The content-addressed store.")
    java.nio.file.Path cas;

    @Mixin
    NodeOptions node;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ManifestOptions manifest;

    @Option(names = "--volume", paramLabel = "NAME", required = true, description = "The volume to build.")
    String volume;

    @Option(names = "--replace", description = "Rebuild the volume if it exists from another manifest.")
    boolean replace;

    @Option(names = "--no-copy-fallback", description = "Fail instead of copying a file that cannot be linked.")
    boolean noCopyFallback;

    @Option(names = "--import-method", paramLabel = "METHOD", converter = Converters.ImportMethodName.class,
            description = "How files come into the volume: auto (default: clone where the volumes filesystem can clone "
                    + "from the CAS's, XFS with reflink or btrfs; else hard link), clone, hardlink or copy.")
    ImportMethod importMethod = ImportMethod.AUTO;

    @Option(names = "--read-only", description = "Once built, bind-mount the volume read-only onto itself: nothing "
            + "without mount privileges can write in it, root included (EROFS). Teardown and replace take the mount off.")
    boolean readOnly;

    @Mixin
    JsonOption output;


    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AssemblyReport report;
        try (VolumeService service = node.openCreating(cas);
             ConsoleProgress progress = new ConsoleProgress(err, !output.json)) {
            long t0 = System.nanoTime();
            Manifest m = manifest.load(service.cas());
            LOG.debug("loaded manifest of {} entries in {} ms ({} ms since JVM start)", m.entries().size(),
                    (System.nanoTime() - t0) / 1_000_000, java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
            report = service.assemble(volume, m, manifest.source(), new AssemblyOptions(replace, !noCopyFallback, importMethod, readOnly), progress,
                    () -> waiting(err, volume));
        }
        if (output.json) {
            Output.json(out, report);
            return 0;
        }
        out.println(switch (report.outcome()) {
            case BUILT -> "assembled " + report.volume() + " at " + report.targetDir();
            case REPLACED -> "replaced " + report.volume() + " at " + report.targetDir();
            case UNCHANGED -> report.volume() + " already holds this manifest; nothing changed";
        });
        Output.line(out, "import", report.importMethod().text() + " (protection: " + report.protection() + ")");
        Output.line(out, "files linked", report.filesLinked());
        Output.line(out, "files cloned", report.filesCloned());
        Output.line(out, "files copied", report.filesCopied());
        Output.line(out, "symlinks", report.symlinks());
        Output.line(out, "dirs created", report.dirsCreated());
        Output.line(out, "bytes", Output.bytes(report.bytes()));
        Output.line(out, "duration", Output.millis(report.durationMs()));
        Output.line(out, "warnings", report.warnings().size());
        Output.line(out, "errors", 0);
        Output.warnings(out, report.warnings());
        out.flush();
        return 0;
    }

    /** Said once when a volume's lock is held by another process, so a wait is never silent. */
    static void waiting(PrintWriter err, String volume) {
        err.println("waiting: another process is building or removing volume " + volume);
        err.flush();
    }
}
