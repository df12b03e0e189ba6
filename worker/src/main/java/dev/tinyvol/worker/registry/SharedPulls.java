package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.tracing.Tracing;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Pulls for a worker, on threads of their own: requests that need the same image at the same time
 * share one pull, and a request waits for its pull as a future, not on a request thread (the
 * worker's scheduler starts the request once its {@link Claim} is done). An image pulled before costs
 * one manifest request. A claim's report carries the tree its pull produced: the request assembles
 * that, whatever happens to the ref's name meanwhile.
 */
public final class SharedPulls implements AutoCloseable {

    private final ImagePuller puller;
    private final String platform;
    private final String defaultRepository;
    private final Map<String, CompletableFuture<PullReport>> running = new ConcurrentHashMap<>();
    private final BiConsumer<ImageReference, PullReport> onPulled;
    private final ExecutorService threads;
    private final Tracing tracing;

    /**
     * @param defaultRepository {@code host/repo} missing refs are pulled from ({@code host/repo:NAME}), or null
     * @param concurrent        images pulled side by side; more wait in line
     * @param onPulled          told of every pull that downloaded something (metrics)
     */
    public SharedPulls(ImagePuller puller, String platform, String defaultRepository, int concurrent,
                       BiConsumer<ImageReference, PullReport> onPulled) {
        this(puller, platform, defaultRepository, concurrent, onPulled, Tracing.none());
    }

    /** @param tracing a pull's span is a child of the span current where it was started (the request's) */
    public SharedPulls(ImagePuller puller, String platform, String defaultRepository, int concurrent,
                       BiConsumer<ImageReference, PullReport> onPulled, Tracing tracing) {
        this.tracing = tracing;
        this.puller = puller;
        this.platform = platform;
        this.defaultRepository = defaultRepository;
        this.onPulled = onPulled;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(Math.max(1, concurrent), r -> {
            Thread t = new Thread(r, "tinyvol-pull-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * One request's share of a pull. The request that started the download is its owner and reports
     * what was downloaded; another that joined it reports nothing pulled for itself.
     */
    public record Claim(CompletableFuture<PullReport> pull, boolean owner) {

        /** The pull's report as this request should state it; rethrows the pull's failure. */
        public PullReport report() {
            PullReport shared;
            try {
                shared = pull.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            return owner ? shared : shared.joined();
        }
    }

    /** The image a missing ref would come from, or null when no default repository is set. */
    public String imageForRef(String ref) {
        return defaultRepository == null ? null : defaultRepository + ":" + ref;
    }

    /** Starts (or joins) the pull of {@code image}, stored under its default ref name. */
    public Claim start(String image) {
        ImageReference reference = ImageReference.parse(image);
        return start(reference, reference.defaultRefName());
    }

    /** Starts (or joins) the pull of a ref the node lacks from the default repository, stored under that ref. */
    public Claim startRef(String ref) {
        return start(ImageReference.parse(imageForRef(ref)), ref);
    }

    /** Pulls {@code image} and waits for it (on the caller's thread). */
    public PullReport pull(String image) {
        return start(image).report();
    }

    /** Pulls the image for a missing ref and waits for it. */
    public PullReport pullRef(String ref) {
        return startRef(ref).report();
    }

    /**
     * One pull per image and ref at a time: a request joining it gets the tree that pull produced
     * ({@link PullReport#manifest()}), never whatever the ref holds when it runs.
     */
    private Claim start(ImageReference image, String ref) {
        String key = image + " " + ref;
        CompletableFuture<PullReport> mine = new CompletableFuture<>();
        CompletableFuture<PullReport> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            return new Claim(theirs, false);
        }
        io.micrometer.tracing.Span span = tracing.startChild(null, "tinyvol pull").tag("tinyvol.image", image.toString());
        try {
            threads.execute(() -> {
                try (Tracing.Scope scope = tracing.open(span)) {
                    PullReport report = puller.pull(image, ref, platform, Progress.NONE);
                    span.tag("tinyvol.pulled_layers", String.valueOf(report.pulledLayers()))
                            .tag("tinyvol.pulled_bytes", String.valueOf(report.pulledBytes()));
                    if (!report.cached()) {
                        onPulled.accept(image, report);
                    }
                    running.remove(key, mine);
                    mine.complete(report);
                } catch (RuntimeException | Error e) {
                    span.error(e);
                    running.remove(key, mine);
                    mine.completeExceptionally(e);
                } finally {
                    span.end();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            span.end();
            running.remove(key, mine);
            mine.completeExceptionally(e);
        }
        return new Claim(mine, true);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
