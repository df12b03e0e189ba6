package dev.tinyvol.worker.bench;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.AssemblyReport;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Assembly and teardown against their baselines, in one run, on one tree: {@code cp -al} of the
 * source tree (the same links and directories), {@code rm -rf} of that copy, and the whole
 * {@code tinyvol assemble} process (JVM start and manifest loading included), as {@code java -jar}
 * and as {@code bin/tinyvol} (the launcher people use, with its start-up cache). Each figure is the
 * median of several rounds after warm-up rounds, with the page cache warm for all of them. Hard links
 * throughout, as cp -al makes ({@code bin/tinyvol-bench-clone} measures clones on XFS).
 */
public final class AssemblyBenchmark {

    /**
     * Medians, in milliseconds; {@code cpAlMs} is the baseline's ({@code baseline}: {@code cp -al} for hard
     * links, {@code cp -a --reflink=always} for clones, {@code cp -a} for copies).
     */
    public record Result(int files, int dirs, int rounds, int threads, long assembleMs, long cpAlMs, long processMs,
                         long tunedProcessMs, long teardownMs, long rmRfMs, String importMethod, String baseline) {

        public double filesPerSecond(long ms) {
            return ms <= 0 ? 0 : files * 1000.0 / ms;
        }
    }

    private final Path work;
    private final int files;
    private final int rounds;
    private final int threads;
    private final PrintWriter log;
    private final Path launcher = findLauncher();
    private final dev.tinyvol.worker.assembly.ImportMethod method;

    public AssemblyBenchmark(Path work, int files, int rounds, int threads, PrintWriter log) {
        this(work, files, rounds, threads, dev.tinyvol.worker.assembly.ImportMethod.HARDLINK, log);
    }

    /** @param method HARDLINK, CLONE or COPY, each against the cp that does the same */
    public AssemblyBenchmark(Path work, int files, int rounds, int threads, dev.tinyvol.worker.assembly.ImportMethod method,
                             PrintWriter log) {
        this.method = method;
        this.work = work.toAbsolutePath().normalize();
        this.files = files;
        this.rounds = rounds;
        this.threads = threads;
        this.log = log;
    }

    public Result run() throws IOException, InterruptedException {
        TreeGenerator shape = TreeGenerator.benchmark(files);
        Path source = work.resolve("source-" + files);
        Path casDir = work.resolve("cas");
        Path volumesDir = work.resolve("volumes");
        Path ready = work.resolve("source-" + files + ".ready");
        if (!Files.exists(ready)) {
            say("generating %,d files over %,d directories in %s", shape.files(), shape.dirs(), source);
            deleteTree(source);
            shape.write(source);
            say("ingesting into %s", casDir);
            new Ingester(Cas.create(casDir), 4).ingest(source, "bench-" + files, 2, Progress.NONE);
            Files.writeString(ready, "generated and ingested\n");
        }
        String ref = "bench-" + files;
        long[] assemble = new long[rounds];
        long[] teardown = new long[rounds];
        long[] cpAl = new long[rounds];
        long[] rmRf = new long[rounds];
        long[] process = new long[rounds];
        long[] tuned = new long[rounds];
        if (launcher == null) {
            throw new IOException("bin/tinyvol not found beside the jar; run the benchmark from a checkout");
        }
        run(launcher.toString(), "--version"); // makes its start-up cache now, outside the measured rounds
        try (VolumeService service = new VolumeService(Cas.open(casDir), VolumeStore.open(volumesDir), threads)) {
            service.purge(false, () -> { });
            Manifest manifest = new ManifestStore(service.cas()).load(ref);
            Path copy = work.resolve("cp-al");
            deleteTree(copy);
            int warmups = 2;
            for (int round = -warmups; round < rounds; round++) {
                long t0 = System.nanoTime();
                AssemblyReport report = service.assemble("bench", manifest, "ref:" + ref,
                        new AssemblyOptions(false, true, method), Progress.NONE, () -> { });
                long t1 = System.nanoTime();
                service.teardown("bench", () -> { });
                long t2 = System.nanoTime();
                List<String> cp = new ArrayList<>(baseline());
                cp.add(source.toString());
                cp.add(copy.toString());
                run(cp.toArray(String[]::new));
                long t3 = System.nanoTime();
                run("rm", "-rf", copy.toString());
                long t4 = System.nanoTime();
                String[] assembleArgs = {"assemble", "--cas", casDir.toString(), "--volumes", volumesDir.toString(), "--ref", ref,
                    "--volume", "bench", "--threads", String.valueOf(threads), "--import-method", method.text()};
                runTinyVol(List.of(), assembleArgs);
                long t5 = System.nanoTime();
                service.teardown("bench", () -> { });
                // bin/tinyvol itself, as people run it (its start-up cache made before the first round).
                long t6 = System.nanoTime();
                runLauncher(assembleArgs);
                long t7 = System.nanoTime();
                service.teardown("bench", () -> { });
                long placed = report.filesLinked() + report.filesCloned() + report.filesCopied();
                if (placed != files || report.importMethod() != method) {
                    throw new IllegalStateException("assembly placed " + placed + " files by " + report.importMethod()
                            + ", expected " + files + " by " + method);
                }
                if (round >= 0) {
                    assemble[round] = ms(t1 - t0);
                    teardown[round] = ms(t2 - t1);
                    cpAl[round] = ms(t3 - t2);
                    rmRf[round] = ms(t4 - t3);
                    process[round] = ms(t5 - t4);
                    tuned[round] = ms(t7 - t6);
                }
                say("round %s: assemble %d ms, cp -al %d ms, tinyvol process %d ms (as bin/tinyvol %d ms), teardown %d ms, rm -rf %d ms",
                        round < 0 ? "warm-up" : String.valueOf(round + 1), ms(t1 - t0), ms(t3 - t2), ms(t5 - t4), ms(t7 - t6),
                        ms(t2 - t1), ms(t4 - t3));
            }
        }
        return new Result(files, shape.dirs(), rounds, threads, median(assemble), median(cpAl), median(process),
                median(tuned), median(teardown), median(rmRf), method.text(), String.join(" ", baseline()));
    }

    /** The cp that makes what the import method makes. */
    private List<String> baseline() {
        return switch (method) {
            case CLONE -> List.of("cp", "-a", "--reflink=always");
            case COPY -> List.of("cp", "-a");
            default -> List.of("cp", "-al");
        };
    }

    /** bin/tinyvol of the checkout the running jar was built in ({@code worker/target/…jar} → {@code bin/tinyvol}). */
    private static Path findLauncher() {
        try {
            Path jar = Path.of(AssemblyBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().resolve("../../bin/tinyvol").normalize();
            return Files.isExecutable(candidate) ? candidate : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private void runLauncher(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(Arrays.asList(args));
        run(command.toArray(String[]::new));
    }

    private void runTinyVol(List<String> jvmFlags, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.tinyvol.worker.cli.TinyVolCli");
        command.addAll(Arrays.asList(args));
        run(command.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed with exit code " + (p.isAlive() ? "timeout" : p.exitValue()));
        }
    }

    private static void deleteTree(Path path) throws IOException, InterruptedException {
        if (Files.exists(path)) {
            run("rm", "-rf", path.toString());
        }
    }

    private void say(String format, Object... args) {
        log.println(String.format(Locale.ROOT, format, args));
        log.flush();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** A default work directory on the same filesystem as the current directory. */
    public static Path defaultWorkDir() {
        return Path.of("target", "tinyvol-bench");
    }

}
