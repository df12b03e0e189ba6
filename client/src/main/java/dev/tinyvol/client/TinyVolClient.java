package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A scheduler's handle on TinyVol nodes: one producer for requests and one consumer of the results
 * topic, shared by every call; thread-safe.
 * <pre>{@code
 * try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", "kafka:9092"))) {
 *     Result r = client.submit(request, Duration.ofMinutes(2)).join();      // wait for one node
 *     client.fireAndForget(teardown);                                     // nobody waits
 *     FleetOutcome rollout = client.fanOut(nodes, Requests.assemble("web-1", "nginx-1.27"),
 *             Duration.ofMinutes(5), progress -> {}).join();             // one request per node
 * }
 * }</pre>
 * Results are matched to requests by requestId; only results committed after the client connected
 * are read (read_committed), so submit after connecting.
 */
public final class TinyVolClient implements AutoCloseable {

    private final RequestSender sender;
    private final ResultWatcher results;
    private final Map<String, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
    private static final System.Logger LOG = System.getLogger(TinyVolClient.class.getName());

    private final List<Consumer<Result>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers;
    /**
     * Sending blocks while a topic's metadata is fetched (up to max.block.ms for a topic that does
     * not exist), so sends run off the caller's thread, in lanes by node: one node's requests stay in
     * order, and a node without a topic holds up only its own lane.
     */
    private final ExecutorService[] lanes = new ExecutorService[8];
    private final Thread reader;
    private volatile boolean open = true;
    /** Set when results can no longer be read (credentials, ACLs): every later submit fails with it. */
    private volatile ClientFailure readFailure;

    private final Function<String, String> requestTopic;

    private final RequestTracing tracing;

    private TinyVolClient(Map<String, Object> kafka, String resultsTopic, Function<String, String> requestTopic,
                          io.opentelemetry.api.OpenTelemetry telemetry) {
        this.requestTopic = requestTopic;
        this.tracing = new RequestTracing(telemetry);
        // Positions are fixed at the end of the results topic here, before any request can be sent.
        this.results = new ResultWatcher(kafka, resultsTopic, false);
        this.sender = new RequestSender(kafka);
        ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "tinyvol-client-timeouts"));
        // A request answered in time cancels its time-out, and a cancelled one leaves the queue at once.
        timeouts.setRemoveOnCancelPolicy(true);
        this.timers = timeouts;
        for (int i = 0; i < lanes.length; i++) {
            String name = "tinyvol-client-send-" + i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        }
        this.reader = daemon(this::readResults, "tinyvol-client-results");
        reader.start();
    }

    /** Connects with these Kafka client settings ({@code bootstrap.servers} at least) to {@code tinyvol.results}. */
    public static TinyVolClient connect(Map<String, Object> kafka) {
        return connect(kafka, io.opentelemetry.api.GlobalOpenTelemetry.get());
    }

    /**
     * As {@link #connect(Map)}, tracing with {@code telemetry} rather than the global OpenTelemetry:
     * each request is a {@code tinyvol submit} span, sent as its {@code traceparent}, and its result a
     * {@code tinyvol result} span in the same trace ({@link RequestTracing}).
     */
    public static TinyVolClient connect(Map<String, Object> kafka, io.opentelemetry.api.OpenTelemetry telemetry) {
        return new TinyVolClient(kafka, Topics.RESULTS, Topics::requests, telemetry);
    }

    /**
     * Connects to a results topic of another name, sending each node's requests to
     * {@code requestTopic.apply(node)} (for workers configured with other topic names).
     */
    public static TinyVolClient connect(Map<String, Object> kafka, String resultsTopic, Function<String, String> requestTopic) {
        return new TinyVolClient(kafka, resultsTopic, requestTopic, io.opentelemetry.api.GlobalOpenTelemetry.get());
    }

    /**
     * Sends the request to its node's topic; the future completes with its result, or exceptionally
     * with a {@link TimeoutException} after {@code timeout}, or with the send's failure.
     */
    public CompletableFuture<Result> submit(Request request, Duration timeout) {
        CompletableFuture<Result> answer = new CompletableFuture<>();
        ClientFailure unreadable = readFailure;
        if (unreadable != null) {
            answer.completeExceptionally(unreadable);
            return answer;
        }
        pending.put(request.requestId(), answer);
        ScheduledFuture<?> expiry = timers.schedule(() -> {
            if (pending.remove(request.requestId()) != null) {
                answer.completeExceptionally(new TimeoutException("no result for " + request.requestId() + " from node "
                        + request.node() + " within " + Durations.words(timeout)));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenComplete((r, failed) -> expiry.cancel(false));
        send(request).whenComplete((ok, failed) -> {
            if (failed != null && pending.remove(request.requestId()) != null) {
                answer.completeExceptionally(failed);
            }
        });
        return answer;
    }

    /** The topic this client sends {@code node}'s requests to. */
    String requestTopic(String node) {
        return requestTopic.apply(node);
    }

    /** The nodes among {@code nodes} whose request topic the cluster says does not exist (one request for all). */
    java.util.Set<String> nodesWithoutTopic(List<String> nodes) {
        Map<String, String> byTopic = new java.util.HashMap<>();
        nodes.forEach(n -> byTopic.put(requestTopic.apply(n), n));
        java.util.Set<String> missing = new java.util.HashSet<>();
        sender.missingTopics(byTopic.keySet()).forEach(t -> missing.add(byTopic.get(t)));
        return missing;
    }

    /**
     * One LIST page of a node: the volumes whose names sort after {@code after} (null: from the
     * first), at most {@code limit} (0: the worker's page size). The result's {@code nextPage}, when
     * set, is the {@code after} of the next page.
     */
    public CompletableFuture<Result> listPage(String node, String after, int limit, Duration timeout) {
        return submit(new Request(Request.SCHEMA_VERSION, java.util.UUID.randomUUID().toString(), null,
                dev.tinyvol.messages.event.Action.LIST, node, null, null, null,
                dev.tinyvol.messages.event.RequestOptions.page(after, limit), null), timeout);
    }

    /**
     * Every volume of a node, read page by page (each page one LIST of at most {@code limit}
     * volumes, 0: the worker's page size, waited for up to {@code timeoutPerPage}). Completes
     * exceptionally if a page times out, or fails (with its errors in the message). Volumes built or
     * removed meanwhile may or may not be listed; none is listed twice.
     */
    public CompletableFuture<List<dev.tinyvol.messages.event.VolumeSummary>> listAll(String node, int limit,
                                                                                  Duration timeoutPerPage) {
        List<dev.tinyvol.messages.event.VolumeSummary> all = new java.util.ArrayList<>();
        return nextPages(node, null, limit, timeoutPerPage, all).thenApply(done -> List.copyOf(all));
    }

    private CompletableFuture<Void> nextPages(String node, String after, int limit, Duration timeout,
                                              List<dev.tinyvol.messages.event.VolumeSummary> all) {
        return listPage(node, after, limit, timeout).thenCompose(page -> {
            if (page.status() != dev.tinyvol.messages.event.Status.SUCCEEDED) {
                return CompletableFuture.failedFuture(new IllegalStateException("LIST of node " + node + " after "
                        + after + " was " + page.status() + ": " + page.errors()));
            }
            all.addAll(page.volumes());
            return page.nextPage() == null ? CompletableFuture.completedFuture(null)
                    : nextPages(node, page.nextPage(), limit, timeout, all);
        });
    }

    /** Sends the request and forgets it: the worker carries it out and publishes a result nobody waits for. */
    public CompletableFuture<Void> fireAndForget(Request request) {
        return send(request);
    }

    /** One request per node, from {@code template}; see {@link FleetRollout}. */
    public CompletableFuture<FleetOutcome> fanOut(List<String> nodes, RequestTemplate template, Duration timeout,
                                                  Consumer<FleetOutcome.Progress> progress) {
        return new FleetRollout(this, nodes, template, timeout, progress).start();
    }

    /** Every result this client reads, whoever sent the request (for dashboards). */
    public void onResult(Consumer<Result> listener) {
        listeners.add(listener);
    }

    private CompletableFuture<Void> send(Request request) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        // Opened on the caller's thread, so it is a child of the span the caller has open.
        io.opentelemetry.api.trace.Span span = tracing.startSubmit(request);
        String traceparent = RequestTracing.traceparent(span);
        lanes[Math.floorMod(request.node().hashCode(), lanes.length)].execute(() ->
                sender.sendAsync(requestTopic.apply(request.node()), request, traceparent).whenComplete((ok, failed) -> {
                    if (failed == null) {
                        span.end();
                        sent.complete(null);
                    } else {
                        span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, failed.getMessage());
                        span.end();
                        sent.completeExceptionally(failed);
                    }
                }));
        return sent;
    }

    /** Reads until closed; nothing a listener or a bad poll does ends it while the client is open. */
    private void readResults() {
        while (open) {
            try {
                results.readReceived(Duration.ofSeconds(1), this::deliver, r -> false);
            } catch (WakeupException closing) {
                // close() was called, or will be: the loop condition decides.
            } catch (RuntimeException e) {
                ClientFailure permanent = KafkaFailures.classify(e);
                if (permanent != null) {
                    // Credentials or ACLs: reading again cannot help, so nobody waits for answers that cannot come.
                    LOG.log(System.Logger.Level.ERROR, "reading results stopped: " + permanent.code() + ": " + permanent.getMessage());
                    readFailure = permanent;
                    pending.keySet().forEach(id -> {
                        CompletableFuture<Result> waiting = pending.remove(id);
                        if (waiting != null) {
                            waiting.completeExceptionally(permanent);
                        }
                    });
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "reading results failed; reading on", e);
                sleepQuietly(200);
            }
        }
    }

    private void deliver(ResultWatcher.Received received) {
        Result result = received.result();
        CompletableFuture<Result> waiting = pending.remove(result.requestId());
        if (waiting != null) {
            tracing.resultReceived(result, received.traceparent());
            waiting.complete(result);
        }
        for (Consumer<Result> listener : listeners) {
            try {
                listener.accept(result);
            } catch (RuntimeException e) {
                // One listener's bug must not stop the results of every request this client waits for.
                LOG.log(System.Logger.Level.WARNING, "a result listener threw on " + result.requestId() + "; the others "
                        + "and every waiting request are still served", e);
            }
        }
    }

    /** Time-outs scheduled and not yet fired or cancelled: one per request still waiting. */
    int scheduledTimeouts() {
        return ((ScheduledThreadPoolExecutor) timers).getQueue().size();
    }

    /** Requests waiting for their result. */
    int pendingRequests() {
        return pending.size();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        open = false;
        results.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
        for (ExecutorService lane : lanes) {
            try {
                lane.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        results.close();
        sender.close();
        timers.shutdownNow();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("client closed")));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
