package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.InvalidRequestException;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestCodec;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.config.Durations;
import dev.tinyvol.client.RequestSender;
import dev.tinyvol.client.TinyVolClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol submit}: build one request from flags and publish it. */
@Command(name = "submit", header = "Publishes one request to a node, and with --wait prints its result.",
        mixinStandardHelpOptions = true,
        description = {
                "Publishes one request to a node's topic (tinyvol.requests.<node>, keyed by volume). With "
                + "--wait, prints its result from tinyvol.results and exits 0 if it SUCCEEDED, 1 otherwise."})
final class SubmitCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--node", required = true, converter = Converters.NodeId.class, description = "The node to send to.")
    String node;

    @Option(names = "--action", required = true, description = "ASSEMBLE, TEARDOWN, VERIFY, LIST, PURGE or GC.")
    Action action;

    @Option(names = "--volume", description = "The volume (ASSEMBLE, TEARDOWN, VERIFY).")
    String volume;

    @Option(names = "--ref", paramLabel = "NAME", description = "A manifest stored in the node's CAS.")
    String ref;

    @Option(names = "--manifest", paramLabel = "FILE", description = "A manifest file, sent inline.")
    Path manifestFile;

    @Option(names = "--image", paramLabel = "IMAGE", description = "ASSEMBLE, VERIFY: an OCI image the node pulls if it lacks it (host[:port]/repo[:tag]).")
    String image;

    @Option(names = "--replace", description = "ASSEMBLE: rebuild a volume that holds another manifest.")
    boolean replace;

    @Option(names = "--no-copy-fallback", description = "ASSEMBLE: fail rather than copy files that cannot be linked.")
    boolean noCopyFallback;

    @Option(names = "--verify", description = "ASSEMBLE: verify after building; VERIFY: hash every file.")
    boolean verify;

    @Option(names = "--import-method", paramLabel = "METHOD", converter = Converters.ImportMethodName.class, description = "ASSEMBLE: auto, clone, hardlink or copy "
            + "(default: the worker's import.method).")
    dev.tinyvol.worker.assembly.ImportMethod importMethod;

    @Option(names = "--read-only", description = "ASSEMBLE: bind-mount the volume read-only once built.")
    boolean readOnly;

    @Option(names = "--dry-run", description = "PURGE: list what would be removed.")
    boolean dryRun;

    @Option(names = "--after", paramLabel = "VOLUME", description = "LIST: only volumes whose names sort after VOLUME "
            + "(a previous page's nextPage).")
    String after;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "LIST: at most N volumes in the page "
            + "(1 to 10000; default: the worker's page size, 1000).")
    int limit;

    @Option(names = "--all-pages", description = "LIST with --wait: read page after page until the last, and print "
            + "every volume (a node with 50,000 volumes is 50 LISTs of 1000).")
    boolean allPages;

    @Option(names = "--deadline", paramLabel = "DURATION", description = "Expire the request if not read within DURATION (e.g. 90s, 5m).")
    Duration deadline;

    @Option(names = "--request-id", paramLabel = "ID", description = "The request's id (default: a new UUID).")
    String requestId;

    @Option(names = "--correlation-id", paramLabel = "ID", description = "Ties requests of one rollout together.")
    String correlationId;

    @Option(names = "--wait", description = "Wait for the result and print it.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Request topic (default: tinyvol.requests.<node>).")
    String topic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", description = "Results topic (default: ${DEFAULT-VALUE}).")
    String resultsTopic = Topics.RESULTS;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        refuseWhatTheActionIgnores();
        Manifest manifest = manifestFile == null ? null : ManifestStore.loadFile(manifestFile);
        Instant expires = deadline == null ? null : Instant.now().plus(deadline);
        Request request = new Request(Request.SCHEMA_VERSION, requestId != null ? requestId : UUID.randomUUID().toString(),
                correlationId, action, node, action.perVolume() ? volume : null, ref, manifest,
                options(), expires, image);
        try {
            // What a worker would refuse is refused here, naming the field, before anything is sent.
            RequestCodec.decode(RequestCodec.encode(request));
        } catch (InvalidRequestException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid request: " + e.getMessage());
        }
        Map<String, Object> settings = kafka.clientSettings();
        String requestTopic = topic != null ? topic : Topics.requests(node);
        if (!await) {
            try (RequestSender sender = new RequestSender(settings)) {
                sender.send(requestTopic, request);
            }
            out.println("sent " + request.requestId() + " (" + action + (request.volume() == null ? "" : " " + request.volume())
                    + ") to " + requestTopic);
            out.flush();
            return 0;
        }
        Result result;
        try (TinyVolClient client = TinyVolClient.connect(settings, resultsTopic, n -> requestTopic)) {
            result = client.submit(request, timeout).join();
            if (allPages && action == Action.LIST && !output.json) {
                return printAllPages(client, result, out);
            }
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // A failure the client classified keeps its own code (NODE_TOPIC_NOT_FOUND, KAFKA_UNREACHABLE, ...).
            // TIMED_OUT, as fleet commands say it of a node.
            String code = cause instanceof java.util.concurrent.TimeoutException ? "TIMED_OUT"
                    : cause instanceof dev.tinyvol.client.ClientFailure failure ? failure.code() : "NOT_SENT";
            spec.commandLine().getErr().println("tinyvol: " + code + ": " + cause.getMessage()
                    + ("TIMED_OUT".equals(code) ? "; is a worker for node " + node + " running? (tinyvol results --follow shows what arrives)" : ""));
            spec.commandLine().getErr().flush();
            return TinyVolCli.FAILED;
        }
        if (output.json) {
            Output.json(out, result);
        } else {
            out.println(ResultsCommand.line(result, false));
            result.warnings().forEach(w -> out.println("  warning: " + w));
            result.volumes().forEach(v -> out.println("  volume " + v.volume() + " " + v.files() + " files"));
            if (result.truncated()) {
                out.println("  truncated: " + result.volumes().size() + " of " + result.volumesTotal() + " volumes, "
                        + result.warnings().size() + " of " + result.warningsTotal() + " warnings, " + result.errors().size()
                        + " of " + result.errorsTotal() + " errors");
            }
            if (result.nextPage() != null) {
                out.println("  next page: --after " + result.nextPage() + " (or --all-pages)");
            }
            out.flush();
        }
        // The error once, where every command puts its failure: one line on stderr per error.
        PrintWriter err = spec.commandLine().getErr();
        result.errors().forEach(e -> err.println("tinyvol: " + e.code() + ": " + e.message()));
        err.flush();
        return result.status() == dev.tinyvol.messages.event.Status.SUCCEEDED ? 0 : TinyVolCli.FAILED;
    }

    /** An option the action would silently drop is a usage error (before: --ref on a TEARDOWN was ignored). */
    private void refuseWhatTheActionIgnores() {
        boolean content = action == dev.tinyvol.messages.event.Action.ASSEMBLE || action == dev.tinyvol.messages.event.Action.VERIFY;
        String given = ref != null ? "--ref" : manifestFile != null ? "--manifest" : image != null ? "--image" : null;
        if (!content && given != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), given + " is for ASSEMBLE and VERIFY; " + action
                    + " takes no manifest");
        }
        if (!action.perVolume() && volume != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--volume is not for " + action
                    + ", which concerns the whole node");
        }
    }

    private RequestOptions options() {
        return new RequestOptions(replace, !noCopyFallback, verify, dryRun, importMethod == null ? null : importMethod.text(),
                readOnly, after, limit);
    }

    /** LIST --all-pages: this page and every one after it, one volume a line; 0 if every page SUCCEEDED. */
    private int printAllPages(TinyVolClient client, Result first, PrintWriter out) {
        Result page = first;
        long listed = 0;
        while (true) {
            if (page.status() != dev.tinyvol.messages.event.Status.SUCCEEDED) {
                page.errors().forEach(e -> spec.commandLine().getErr().println("tinyvol: " + e.code() + ": " + e.message()));
                spec.commandLine().getErr().flush();
                return TinyVolCli.FAILED;
            }
            for (var v : page.volumes()) {
                out.println("volume " + v.volume() + " " + v.files() + " files " + v.manifestName());
            }
            listed += page.volumes().size();
            if (page.nextPage() == null) {
                break;
            }
            page = client.listPage(node, page.nextPage(), limit, timeout).join();
        }
        out.println(listed + " volumes (the node counted " + page.volumesTotal() + " on the last page)");
        out.flush();
        return 0;
    }
}
