package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.bench.AssemblyBenchmark;
import dev.tinyvol.worker.concurrent.WorkerPool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code tinyvol bench}: assembly and teardown speed against cp -al and rm -rf, in one run. */
@Command(name = "bench", header = "Measures assembly and teardown against cp -al and rm -rf.",
        mixinStandardHelpOptions = true,
        description = {
                "Measures assembly against cp -al and teardown against rm -rf on one generated tree (FILES files "
                + "of 1-16 KiB, 30%% duplicate contents, FILES/20 directories at depths 1-6), plus the whole "
                + "'tinyvol assemble' process. The tree is generated and ingested once per DIR and reused. Medians "
                + "of ROUNDS rounds after two warm-up rounds."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (default: ${DEFAULT-VALUE}).")
    Path dir = AssemblyBenchmark.defaultWorkDir();

    @Option(names = "--files", paramLabel = "FILES", converter = Converters.PositiveCount.class, description = "Files in the tree (default: ${DEFAULT-VALUE}).")
    int files = 100_000;

    @Option(names = "--rounds", paramLabel = "ROUNDS", converter = Converters.PositiveCount.class, description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds = 5;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.PositiveCount.class, description = "Assembly threads (default: ${DEFAULT-VALUE}).")
    int threads = WorkerPool.defaultThreads();

    @Option(names = "--import-method", paramLabel = "METHOD", converter = Converters.ImportMethodName.class,
            description = "hardlink (default; against cp -al), clone (against cp -a --reflink=always; DIR on XFS or btrfs) "
                    + "or copy (against cp -a).")
    dev.tinyvol.worker.assembly.ImportMethod importMethod = dev.tinyvol.worker.assembly.ImportMethod.HARDLINK;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (importMethod == dev.tinyvol.worker.assembly.ImportMethod.AUTO) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--import-method: give hardlink, clone or copy "
                    + "(each is measured against the cp that does the same)");
        }
        AssemblyBenchmark.Result r = new AssemblyBenchmark(dir, files, rounds, threads, importMethod,
                spec.commandLine().getErr()).run();
        if (output.json) {
            Output.json(out, r);
            return 0;
        }
        out.printf("%,d files, %,d dirs, %d thread%s, median of %d round%s%n", r.files(), r.dirs(), r.threads(),
                r.threads() == 1 ? "" : "s", r.rounds(), r.rounds() == 1 ? "" : "s");
        out.printf("  %-40s %8s %12s %8s%n", "", "ms", "files/s", "vs base");
        out.printf("  import method %s%n", r.importMethod());
        row(out, r.baseline() + " (baseline)", r.cpAlMs(), r, r.cpAlMs());
        row(out, "tinyvol assemble, in process", r.assembleMs(), r, r.cpAlMs());
        row(out, "tinyvol assemble, java -jar", r.processMs(), r, r.cpAlMs());
        row(out, "tinyvol assemble, as bin/tinyvol", r.tunedProcessMs(), r, r.cpAlMs());
        row(out, "rm -rf (baseline)", r.rmRfMs(), r, r.rmRfMs());
        row(out, "tinyvol teardown, in process", r.teardownMs(), r, r.rmRfMs());
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String label, long ms, AssemblyBenchmark.Result r, long baseMs) {
        out.printf("  %-40s %8d %,12.0f %7.2fx%n", label, ms, r.filesPerSecond(ms), ms <= 0 ? 0 : (double) baseMs / ms);
    }
}
