package dev.tinyvol.worker.cli;

import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.config.Durations;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol fleet assemble}. */
@Command(name = "assemble", header = "Assembles a volume on many nodes and waits for every outcome.",
        mixinStandardHelpOptions = true,
        description = {
                "Publishes one ASSEMBLE request per node (its own requestId, one shared correlationId, a "
                + "deadline at the end of --timeout so a node that reads it too late does not build a volume "
                + "nobody waits for), shows progress, then a table of every node's outcome. Exits 1 if any node "
                + "failed or timed out, naming each and why."})
final class FleetAssembleCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    NodesOptions nodes;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--ref", paramLabel = "NAME", description = "A manifest stored in every node's CAS.")
        String ref;

        @Option(names = "--manifest", paramLabel = "FILE", description = "A manifest file, sent inline to every node.")
        Path file;

        @Option(names = "--image", paramLabel = "IMAGE", description = "An OCI image every node pulls if it lacks it (host[:port]/repo[:tag]).")
        String image;
    }

    @Option(names = "--volume", paramLabel = "NAME", required = true, description = "The volume to build on every node.")
    String volume;

    @Option(names = "--replace", description = "Rebuild the volume where it holds another manifest.")
    boolean replace;

    @Option(names = "--import-method", paramLabel = "METHOD", converter = Converters.ImportMethodName.class, description = "auto, clone, hardlink or copy "
            + "(default: each worker's import.method).")
    dev.tinyvol.worker.assembly.ImportMethod importMethod;

    @Option(names = "--read-only", description = "Bind-mount each volume read-only once built.")
    boolean readOnly;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "How long to wait for every node (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> targets = nodes.resolve(spec.commandLine());
        Manifest manifest = source.file == null ? null : ManifestStore.loadFile(source.file);
        RequestTemplate template = new RequestTemplate(Action.ASSEMBLE, volume, source.ref, manifest,
                options(), source.image);
        return FleetRun.run(spec, kafka, targets, template, timeout, output.json);
    }

    private RequestOptions options() {
        return new RequestOptions(replace, true, false, false, importMethod == null ? null : importMethod.text(), readOnly);
    }
}
