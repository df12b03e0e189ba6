package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One request to each node, sharing a correlationId, each with a deadline at the end of the
 * timeout (so a node that reads it too late does not do work nobody waits for), and every node's
 * outcome collected.
 */
final class FleetRollout {

    private final TinyVolClient client;
    private final List<String> nodes;
    private final RequestTemplate template;
    private final Duration timeout;
    private final Consumer<FleetOutcome.Progress> progress;

    FleetRollout(TinyVolClient client, List<String> nodes, RequestTemplate template, Duration timeout,
                 Consumer<FleetOutcome.Progress> progress) {
        this.client = client;
        this.nodes = List.copyOf(nodes);
        this.template = template;
        this.timeout = timeout;
        this.progress = progress;
    }

    CompletableFuture<FleetOutcome> start() {
        // "<action>-<uuid>", as a fire-and-forget teardown names its own: one rollout's ids look alike however sent.
        String correlationId = template.action().name().toLowerCase(java.util.Locale.ROOT) + "-" + UUID.randomUUID();
        long start = System.nanoTime();
        Instant deadline = Instant.now().plus(timeout);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Map<String, CompletableFuture<FleetOutcome.NodeOutcome>> futures = new LinkedHashMap<>();
        // One question to the cluster for every node's topic: a node without one is said at once.
        java.util.Set<String> withoutTopic = client.nodesWithoutTopic(nodes);
        for (String node : nodes) {
            Request request = template.forNode(node, correlationId, deadline);
            CompletableFuture<dev.tinyvol.messages.event.Result> answer = withoutTopic.contains(node)
                    ? CompletableFuture.failedFuture(RequestSender.topicNotFound(client.requestTopic(node), null))
                    : client.submit(request, timeout);
            futures.put(node, answer.handle((result, error) -> {
                FleetOutcome.NodeOutcome outcome = error == null ? new FleetOutcome.NodeOutcome(node, result, null)
                        : new FleetOutcome.NodeOutcome(node, null, message(error));
                (outcome.succeeded() ? ok : failed).incrementAndGet();
                progress.accept(new FleetOutcome.Progress(nodes.size(), ok.get(), failed.get(), Duration.ofNanos(System.nanoTime() - start)));
                return outcome;
            }));
        }
        return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, FleetOutcome.NodeOutcome> perNode = new LinkedHashMap<>();
            futures.forEach((node, f) -> perNode.put(node, f.join()));
            return new FleetOutcome(correlationId, perNode, Duration.ofNanos(System.nanoTime() - start));
        });
    }

    private static String message(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ClientFailure failure ? failure.code() + ": " + failure.getMessage() : cause.getMessage();
    }

}
