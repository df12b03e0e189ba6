package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.registry.ImagePusher;
import dev.tinyvol.worker.registry.ImageReference;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tinyvol cas push}. */
@Command(name = "push", header = "Publishes a stored ref as an OCI image.",
        mixinStandardHelpOptions = true,
        description = {
                "Publishes ref REF as the OCI image IMAGE (host[:port]/repository[:tag]) that any OCI tool can pull: "
                + "one reproducible tar.gz layer per top-level directory (large ones split by their second level), "
                + "so a new version of a tree uploads, and nodes download, only the layers whose files changed. "
                + "Blobs the registry already has are not uploaded again."})
final class PushCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REF", description = "The stored manifest to publish.")
    String ref;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "Where to publish it, e.g. registry.example.com/base/debian:12.")
    String image;

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS that holds REF.")
    Path cas;

    @Mixin
    RegistryOptions registry;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ImageReference reference = RegistryOptions.image(spec, image);
        if (reference.digest() != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "push to a tag, not a digest: " + image);
        }
        Cas store = Cas.open(cas);
        var manifest = new ManifestStore(store).load(ref);
        ImagePusher.PushReport report;
        try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), !output.json)) {
            report = new ImagePusher(store, registry.client()).push(manifest, reference, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, report);
            return 0;
        }
        out.println("pushed " + ref + " as " + report.image());
        Output.line(out, "digest", report.manifestDigest());
        Output.line(out, "layers", report.uploadedLayers() + " uploaded of " + report.layers());
        Output.line(out, "uploaded", Output.bytes(report.uploadedBytes()));
        Output.line(out, "time", Output.millis(report.durationMs()));
        out.flush();
        return 0;
    }
}
