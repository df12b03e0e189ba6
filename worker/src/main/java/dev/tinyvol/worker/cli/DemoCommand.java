package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.AssemblyReport;
import dev.tinyvol.worker.assembly.VerifyReport;
import dev.tinyvol.worker.assembly.VolumeLister.VolumeInfo;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.bench.TreeGenerator;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.IngestReport;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code tinyvol demo}: the whole local job on sample data, start to end. */
@Command(name = "demo", header = "Runs TinyVol end to end on sample data.",
        mixinStandardHelpOptions = true,
        description = {
                "Runs TinyVol end to end on sample data in DIR: writes a sample tree (files, executables, "
                + "symlinks, an empty private directory), ingests it into a CAS, assembles two volumes from it "
                + "(their files share the CAS's inodes), verifies one, lists both, tears one down, and prints the "
                + "commands to go on by hand. Run it again to start over."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the sample, CAS and volumes (default: ${DEFAULT-VALUE}).")
    Path dir = Path.of("tinyvol-demo");

    /** The volumes the demo makes, and the only ones it ever removes. */
    private static final String[] DEMO_VOLUMES = {"web-1", "web-2"};

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path root = dir.toAbsolutePath().normalize();
        Path sample = root.resolve("sample");
        Path casDir = root.resolve("cas");
        Path volumesDir = root.resolve("volumes");

        if (Files.exists(root.resolve("volumes"))) {
            // Starting over removes the demo's own volumes only: any other volume there is the user's.
            try (VolumeService old = new VolumeService(null, VolumeStore.open(volumesDir), 2)) {
                for (String volume : DEMO_VOLUMES) {
                    old.teardown(volume, () -> { });
                }
            }
        }
        if (!Files.exists(sample)) {
            new TreeGenerator(300, 30, 4, 0.3, 64, 8192, 0.2, 12, 7).write(sample);
            Path privateDir = sample.resolve("var/cache/app");
            Files.createDirectories(privateDir);
            PosixFiles.chmod(privateDir, 0700);
        }
        out.println("1. sample tree at " + sample);

        IngestReport ingest = new Ingester(Cas.create(casDir), 4).ingest(sample, "sample", 2, Progress.NONE);
        out.printf("2. ingested: %d files, %d symlinks, %d dirs; %d new blobs (%s); manifest refs/sample.json%n",
                ingest.files(), ingest.symlinks(), ingest.dirs(), ingest.newBlobs(), Output.bytes(ingest.newBytes()));

        try (VolumeService service = new VolumeService(Cas.open(casDir), VolumeStore.open(volumesDir), WorkerPool.defaultThreads())) {
            Manifest manifest = new ManifestStore(service.cas()).load("sample");
            for (String volume : DEMO_VOLUMES) {
                AssemblyReport a = service.assemble(volume, manifest, "ref:sample", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
                out.printf("3. assembled %s: %d files linked, %d symlinks, %d dirs, %s in %d ms%n", volume,
                        a.filesLinked(), a.symlinks(), a.dirsCreated(), Output.bytes(a.bytes()), a.durationMs());
            }
            VerifyReport v = service.verify("web-1", true);
            out.printf("4. verified web-1 (deep): %d verified, %d mismatched, %d missing, %d extra%n",
                    v.verified(), v.mismatched(), v.missing(), v.extra());
            out.println("5. volumes:");
            for (VolumeInfo info : service.list()) {
                out.printf("     %-8s %4d files %10s  created %s%n", info.volume(), info.files(), Output.bytes(info.bytes()), info.createdAt());
            }
            String someFile = manifest.entries().entrySet().stream()
                    .filter(e -> e.getValue() instanceof dev.tinyvol.messages.manifest.FileEntry).findFirst().orElseThrow().getKey();
            out.printf("   %s has %d hard links: its CAS blob and every path in every volume with that content%n", someFile,
                    PosixFiles.lstat(volumesDir.resolve("web-1").resolve(someFile)).links());
            service.teardown("web-2", () -> { });
            out.println("6. tore down web-2");
        }
        String jar = launcher();
        out.println();
        out.println("Go on by hand:");
        out.println("  " + jar + " list --volumes " + volumesDir);
        out.println("  " + jar + " assemble --cas " + casDir + " --volumes " + volumesDir + " --ref sample --volume web-3");
        out.println("  " + jar + " verify --cas " + casDir + " --volumes " + volumesDir + " --volume web-3 --deep");
        out.println("  " + jar + " teardown --volumes " + volumesDir + " --volume web-3");
        out.flush();
        return 0;
    }

    /**
     * How to run tinyvol again from anywhere: the checkout's bin/tinyvol (it finds a Java 25 by
     * itself; a bare "java" may be older), else this very JVM and jar, both as absolute paths.
     */
    static String launcher() {
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            Path bin = jar.getParent().resolve("../../bin/tinyvol").normalize();
            if (java.nio.file.Files.isExecutable(bin)) {
                return bin.toString();
            }
            if (jar.toString().endsWith(".jar")) {
                return Path.of(System.getProperty("java.home"), "bin", "java") + " --enable-native-access=ALL-UNNAMED -jar " + jar;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // Fall through to the plain form.
        }
        return "bin/tinyvol";
    }
}
