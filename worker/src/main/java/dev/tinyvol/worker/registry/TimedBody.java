package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Every response body the registry client reads, as a stream that never waits longer than the stall
 * timeout for its next bytes, nor past the pull's deadline. The JDK's own {@code ofInputStream()}
 * blocks for good once the headers are in (a request's time-out ends there), so a registry that sends
 * half a layer and goes silent would hold the pull forever. Here the body's buffers are handed over
 * one at a time (demand of one: nothing piles up in memory) and each wait is bounded; a stall or the
 * deadline ends the transfer (the connection is cancelled) with a {@link CodedIOException}:
 * {@code REGISTRY_STALLED} or {@code PULL_DEADLINE_EXCEEDED}. How much of a body is read is the
 * reader's limit to set (manifests, tokens, layers each have theirs).
 */
final class TimedBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {

    private static final Object END = new Object();

    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final long stallNanos;
    private final Deadline deadline;
    private final String registry;
    private final String what;
    private volatile Flow.Subscription subscription;
    private volatile boolean closed;
    private Iterator<ByteBuffer> buffers;
    private ByteBuffer buffer;
    private boolean ended;

    private TimedBody(Duration stall, Deadline deadline, String registry, String what) {
        this.stallNanos = stall.toNanos();
        this.deadline = deadline;
        this.registry = registry;
        this.what = what;
    }

    /**
     * @param registry the registry (host[:port]), for the message
     * @param what     the request, e.g. {@code GET /v2/app/blobs/sha256:…}, for the message
     */
    static HttpResponse.BodyHandler<InputStream> handler(Duration stall, Deadline deadline, String registry, String what) {
        return info -> new TimedBody(stall, deadline, registry, what);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedStage(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        arrived.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        arrived.add(throwable);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the body of " + what + " is closed");
        }
        if (len == 0) {
            return 0;
        }
        while (buffer == null || !buffer.hasRemaining()) {
            if (buffers != null && buffers.hasNext()) {
                buffer = buffers.next();
                continue;
            }
            if (ended) {
                return -1;
            }
            Object next = next();
            if (next == END) {
                ended = true;
                return -1;
            }
            if (next instanceof Throwable t) {
                ended = true;
                throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> list = (List<ByteBuffer>) next;
            buffers = list.iterator();
            subscription.request(1);
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        return n;
    }

    /** The next thing the connection delivered, waiting no longer than the stall timeout or the deadline allows. */
    private Object next() throws IOException {
        long wait = Math.min(stallNanos, deadline.remainingNanos());
        Object next = null;
        try {
            if (wait > 0) {
                next = arrived.poll(wait, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while reading " + what);
        }
        if (next != null) {
            return next;
        }
        close();
        if (deadline.passed()) {
            throw new CodedIOException(new TinyVolException(ErrorCode.PULL_DEADLINE_EXCEEDED, registry, "the pull ran past "
                    + "its deadline of " + seconds(deadline.length())
                    + " (registry.pull.deadline) while reading " + what + " from " + registry));
        }
        throw new CodedIOException(new TinyVolException(ErrorCode.REGISTRY_STALLED, registry, "registry " + registry
                + " sent nothing for " + seconds(Duration.ofNanos(stallNanos))
                + " (registry.stall.timeout) in the middle of " + what + "; the transfer is given up"));
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Cancels the transfer: the connection is closed, whatever it still had to send. */
    @Override
    public void close() {
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
