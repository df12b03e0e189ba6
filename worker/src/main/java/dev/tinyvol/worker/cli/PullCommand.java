package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.Names;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.registry.ImagePuller;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.PullReport;
import dev.tinyvol.worker.registry.RegistrySettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tinyvol cas pull}. */
@Command(name = "pull", header = "Pulls an OCI image from a registry into the CAS as a ref.",
        mixinStandardHelpOptions = true,
        description = {
                "Resolves IMAGE (host[:port]/repository[:tag][@sha256:...]; an index or manifest list to the "
                + "platform's manifest), downloads the layers the node does not have yet side by side, verifies "
                + "each against its digest as it streams, and unpacks every file straight into a blob instance "
                + "with the mode and owner of its tar header. Layers are applied in order with OCI whiteouts; "
                + "the tree is stored as a v2 manifest under --ref. Pulling an image again costs one manifest "
                + "request; a ref holding another tree (a tag moved back) is made again from the layers the node has. HTTPS, except for loopback registries and hosts named with --insecure."})
final class PullCommand implements Callable<Integer> {

    @Parameters(paramLabel = "IMAGE", description = "The image, e.g. registry.example.com/base/debian:12.")
    String image;

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS; created if missing.")
    Path cas;

    @Option(names = "--ref", paramLabel = "NAME", description = "The ref to store the image as (default: from the image, e.g. base-debian-12-<32 hex of the reference's sha256>).")
    String ref;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "The platform to pick from an index (default: ${DEFAULT-VALUE}).")
    String platform = RegistrySettings.currentPlatform();

    @Mixin
    RegistryOptions registry;

    @Option(names = "--copy", paramLabel = "GLOB", split = ",", description = "Files volumes get a private copy of, "
            + "never a link or clone (files a workload rewrites in place), as globs over paths in the image, e.g. "
            + "etc/machine-id,var/lib/db/** (repeatable).")
    java.util.List<String> copy = java.util.List.of();

    @Option(names = "--mirror", paramLabel = "UPSTREAM=MIRROR[,MIRROR]", description = "Pull-through caches to ask before a registry (repeatable).")
    java.util.List<String> mirrors = java.util.List.of();

    @Option(names = "--layers", paramLabel = "N", converter = Converters.PositiveCount.class, description = "Layers downloaded side by side (default: ${DEFAULT-VALUE}).")
    int parallelLayers = 3;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private dev.tinyvol.worker.registry.Mirrors mirrorRules() {
        try {
            return dev.tinyvol.worker.registry.Mirrors.parse(String.join(";", mirrors));
        } catch (TinyVolException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mirror: " + e.getMessage());
        }
    }

    @Override
    public Integer call() {
        // Every name is checked before anything is downloaded.
        ImageReference reference = RegistryOptions.image(spec, image);
        String refName = ref != null ? ref : reference.defaultRefName();
        String problem = Names.problemWith(refName);
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ref: manifest name \"" + refName + "\" " + problem);
        }
        if (!platform.matches("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--platform must be os/arch[/variant], e.g. linux/amd64, not " + platform);
        }
        PullReport report;
        try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), !output.json)) {
            report = new ImagePuller(Cas.create(cas), registry.client(), parallelLayers, mirrorRules())
                    .pull(reference, refName, platform, dev.tinyvol.worker.cas.CopyPaths.of(copy), progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, report);
            return 0;
        }
        out.println((report.cached() ? "up to date: " : "pulled ") + report.image() + " as " + report.ref());
        Output.line(out, "digest", report.imageDigest());
        if (!report.cached()) {
            Output.line(out, "layers", report.pulledLayers() + " downloaded of " + report.layers());
            Output.line(out, "downloaded", Output.bytes(report.pulledBytes()));
            Output.line(out, "new blobs", report.newBlobs());
            Output.line(out, "entries", report.entries());
        }
        Output.line(out, "time", Output.millis(report.durationMs()));
        Output.warnings(out, report.warnings());
        out.flush();
        return 0;
    }
}
