package dev.tinyvol.examples.scheduler;

import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A scheduler as docs/events.md's "The fleet side" shows one: connect, assemble a volume on a node from a
 * stored manifest and wait for the result, then list the node's volumes, then tear the volume down
 * without waiting. Java 17, tinyvol-client and an SLF4J binding, nothing else.
 *
 * <pre>java -cp … dev.tinyvol.examples.scheduler.ExampleScheduler BOOTSTRAP NODE REF VOLUME</pre>
 */
public final class ExampleScheduler {

    private ExampleScheduler() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: ExampleScheduler BOOTSTRAP NODE REF VOLUME");
            System.exit(2);
        }
        System.exit(run(args[0], args[1], args[2], args[3]) ? 0 : 1);
    }

    /** True when the assembly and the listing succeeded. */
    public static boolean run(String bootstrap, String node, String ref, String volume) throws Exception {
        // Connect first: the client reads only results committed after it connected.
        try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", bootstrap))) {
            String rollout = "example-" + UUID.randomUUID();
            Request assemble = RequestTemplate.assemble(volume, ref).forNode(node, rollout, null);
            Result built = client.submit(assemble, Duration.ofMinutes(2)).join();
            System.out.println("ASSEMBLE " + volume + " on " + node + ": " + built.status() + " " + built.outcome()
                    + ", " + built.filesLinked() + " files linked, " + built.filesCloned() + " cloned, "
                    + built.filesCopied() + " copied in " + built.durationMs() + " ms");
            built.errors().forEach(e -> System.out.println("  " + e.code() + ": " + e.message()));

            Result listed = client.listPage(node, null, 100, Duration.ofMinutes(1)).join();
            System.out.println("LIST " + node + ": " + listed.volumes().size() + " volumes"
                    + (listed.nextPage() != null ? " (more after " + listed.nextPage() + ")" : ""));
            listed.volumes().forEach(v -> System.out.println("  " + v.volume() + "  " + v.files() + " files"));

            client.fireAndForget(RequestTemplate.teardown(volume).forNode(node, rollout, null)).join();
            System.out.println("TEARDOWN " + volume + " sent; not waiting");
            return built.status() == Status.SUCCEEDED && listed.status() == Status.SUCCEEDED;
        }
    }
}
