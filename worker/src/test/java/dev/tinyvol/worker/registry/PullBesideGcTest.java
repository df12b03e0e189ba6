package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.GarbageCollector;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 3: no store lock is held across network I/O. A pull whose registry stalls in the
 * middle of a layer does not keep a gc waiting; the gc may even remove what the pull stored and no
 * ref names yet, and the pull still ends with a whole ref.
 */
class PullBesideGcTest {

    @TempDir
    Path tmp;

    /**
     * Forwards to a registry; the first GET of one blob sends its headers and its first
     * {@code stallAfter} bytes, then waits until {@link #release} is opened.
     */
    static final class StallingProxy implements AutoCloseable {
        final HttpServer server;
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);
        private final HttpClient http = HttpClient.newHttpClient();

        StallingProxy(String upstream, String blobDigest, int stallAfter) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", exchange -> forward(exchange, upstream, blobDigest, stallAfter));
            server.start();
        }

        String host() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        private void forward(HttpExchange exchange, String upstream, String blobDigest, int stallAfter) throws IOException {
            try (exchange) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + upstream + exchange.getRequestURI()))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
                String accept = exchange.getRequestHeaders().getFirst("Accept");
                if (accept != null) {
                    request.header("Accept", accept);
                }
                HttpResponse<byte[]> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                for (String name : List.of("Content-Type", "Docker-Content-Digest", "Location", "Www-Authenticate")) {
                    answer.headers().firstValue(name).ifPresent(v -> exchange.getResponseHeaders().add(name, v));
                }
                byte[] body = answer.body();
                boolean head = exchange.getRequestMethod().equals("HEAD");
                if (head) {
                    answer.headers().firstValue("Content-Length")
                            .ifPresent(v -> exchange.getResponseHeaders().add("Content-Length", v));
                }
                exchange.sendResponseHeaders(answer.statusCode(), head || body.length == 0 ? -1 : body.length);
                if (head || body.length == 0) {
                    return;
                }
                OutputStream out = exchange.getResponseBody();
                boolean stall = exchange.getRequestURI().getPath().endsWith("/blobs/" + blobDigest) && first.getAndSet(false);
                if (stall) {
                    out.write(body, 0, stallAfter);
                    out.flush();
                    stalled.countDown();
                    release.await(); // the registry goes silent mid-layer
                    out.write(body, stallAfter, body.length - stallAfter);
                } else {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    private static Path instance(Cas cas, String content, int mode) {
        String hex = TestImages.sha256(content.getBytes(StandardCharsets.UTF_8)).substring("sha256:".length());
        return cas.instancePath(new BlobKey(hex, mode, 0, 0));
    }

    @Test
    void aGcCompletesWhileAPullIsStalledAndThePullStillEndsWithAWholeRef() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        Layer done = TestImages.layer(Compression.GZIP, tar -> tar.file("etc/done", "a layer that finished\n", 0644));
        // Plain tar, stalled before its last 1024 bytes (its end-of-archive blocks): both files are
        // stored, and the unpacker waits for the next header with no staging file open.
        Layer slow = TestImages.layer(Compression.NONE, tar -> tar.file("first", "stored before the stall\n", 0644)
                .file("second", "x".repeat(100_000), 0644));
        TestImages.push(push, ImageReference.parse(registry.host() + "/slow/app:1"), List.of(done, slow), "amd64");
        Cas cas = Cas.create(tmp.resolve("cas"));

        java.util.concurrent.ExecutorService threads = Executors.newCachedThreadPool();
        try (StallingProxy proxy = new StallingProxy(registry.host(), slow.digest(), slow.bytes().length - 1024)) {
            ImageReference image = ImageReference.parse(proxy.host() + "/slow/app:1");
            // Threads of their own: the common pool may have one thread on a small machine.
            CompletableFuture<PullReport> pull = CompletableFuture.supplyAsync(() ->
                    new ImagePuller(cas, push, 2).pull(image, "app", "linux/amd64", Progress.NONE), threads);
            assertTrue(proxy.stalled.await(60, TimeUnit.SECONDS), "the slow layer was asked for");
            List<Path> stored = List.of(instance(cas, "stored before the stall\n", 0644), instance(cas, "x".repeat(100_000), 0644),
                    instance(cas, "a layer that finished\n", 0644));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!stored.stream().allMatch(Files::exists) && System.nanoTime() < until) {
                Thread.sleep(20); // the pull stores what came before the stall
            }
            assertTrue(stored.stream().allMatch(Files::exists), "stored before the stall: "
                    + dev.tinyvol.worker.testing.CasHashes.of(cas.objectsDir()).keySet());

            CompletableFuture<GarbageCollector.Report> gc = CompletableFuture.supplyAsync(() ->
                    new GarbageCollector(cas, List::of).collect(false), threads);
            GarbageCollector.Report collected;
            try {
                collected = gc.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                proxy.release.countDown();
                fail("the gc waited for the stalled pull's download (the pull holds the store lock across network I/O)");
                return;
            }
            assertFalse(pull.isDone(), "the pull is still downloading: the registry is silent");
            System.out.println("gc beside a stalled pull: " + collected);

            proxy.release.countDown();
            PullReport report = pull.get(120, TimeUnit.SECONDS);
            System.out.println("the pull after it: " + report.pulledLayers() + " layers, " + report.pulledBytes()
                    + " bytes downloaded (" + (done.bytes().length + slow.bytes().length) + " in the image)");
            assertEquals(2, report.pulledLayers());

            // A whole ref: every instance it names is there and holds its content; fsck agrees.
            Manifest ref = new ManifestStore(cas).load("app");
            assertEquals(3, ref.entries().size(), ref.entries().keySet().toString());
            for (Map.Entry<String, ManifestEntry> e : ref.entries().entrySet()) {
                if (e.getValue() instanceof FileEntry f) {
                    Path p = cas.instancePath(BlobKey.of(f));
                    assertTrue(Files.exists(p), e.getKey() + " is missing");
                    assertEquals(f.digest(), Sha256.of(p), e.getKey());
                }
            }
            CliTest.Run fsck = CliTest.tinyvol("cas", "fsck", "--cas", tmp.resolve("cas"));
            assertEquals(0, fsck.exit(), fsck.out() + fsck.err());
            // And the layers it recorded name only what is there: the same image again downloads nothing.
            assertEquals(0, new ImagePuller(cas, push, 2).pull(ImageReference.parse(registry.host() + "/slow/app:1"), "app2",
                    "linux/amd64", Progress.NONE).pulledLayers());
        } finally {
            threads.shutdownNow();
        }
    }
}
