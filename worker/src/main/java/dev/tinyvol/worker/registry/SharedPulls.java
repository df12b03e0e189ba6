package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.progress.Progress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pulls for a worker: requests that need the same image at the same time share one pull (the first
 * pulls, the others wait for its report), and an image pulled before costs one manifest request.
 * The waiting requests still hold their worker thread while they wait (see docs/decisions.md).
 */
public final class SharedPulls {

    private final ImagePuller puller;
    private final String platform;
    private final String defaultRepository;
    private final Map<String, CompletableFuture<PullReport>> running = new ConcurrentHashMap<>();
    private final java.util.function.BiConsumer<ImageReference, PullReport> onPulled;

    /**
     * @param defaultRepository {@code host/repo} missing refs are pulled from ({@code host/repo:NAME}), or null
     * @param onPulled          told of every pull that downloaded something (metrics)
     */
    public SharedPulls(ImagePuller puller, String platform, String defaultRepository,
                       java.util.function.BiConsumer<ImageReference, PullReport> onPulled) {
        this.puller = puller;
        this.platform = platform;
        this.defaultRepository = defaultRepository;
        this.onPulled = onPulled;
    }

    /** Pulls {@code image} (stored under its default ref name) unless another request is pulling it now. */
    public PullReport pull(String image) {
        ImageReference reference = ImageReference.parse(image);
        return pull(reference, reference.defaultRefName());
    }

    /** The image a missing ref would come from, or null when no default repository is set. */
    public String imageForRef(String ref) {
        return defaultRepository == null ? null : defaultRepository + ":" + ref;
    }

    /** Pulls the image for a ref the node lacks from the default repository, stored under that ref. */
    public PullReport pullRef(String ref) {
        return pull(ImageReference.parse(imageForRef(ref)), ref);
    }

    private PullReport pull(ImageReference image, String ref) {
        String key = image + " " + ref;
        CompletableFuture<PullReport> mine = new CompletableFuture<>();
        CompletableFuture<PullReport> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            try {
                PullReport shared = theirs.join();
                // Downloaded for another request: nothing was pulled for this one.
                return new PullReport(shared.image(), shared.imageDigest(), shared.ref(), true, shared.layers(), 0, 0, 0,
                        shared.entries(), 0, shared.warnings());
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        try {
            PullReport report = puller.pull(image, ref, platform, Progress.NONE);
            if (!report.cached()) {
                onPulled.accept(image, report);
            }
            mine.complete(report);
            return report;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }
}
