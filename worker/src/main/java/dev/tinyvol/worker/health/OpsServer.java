package dev.tinyvol.worker.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The worker's operations endpoints on {@code http.port}: {@code /metrics} (Prometheus text format),
 * {@code /health/live} (200 while the worker's loop runs) and {@code /health/ready} (200 once the
 * consumer has its partitions, the CAS and volumes directories are writable and the broker answers;
 * 503 otherwise, with the reason in the body).
 */
public final class OpsServer implements AutoCloseable {

    /** What the worker says about itself: null when fine, else why not. */
    public interface Probe {
        String notLive();

        String notReady();

        /** Lines after the readiness verdict (what protects the volumes), each ending in a newline. */
        default String readyDetail() {
            return "";
        }
    }

    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    public OpsServer(String host, int port, Probe probe, Supplier<String> metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on http.host " + host + ", http.port " + port + ": "
                    + e.getMessage() + "; free the port or choose another", e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tinyvol-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health/live", exchange -> health(exchange, probe::notLive));
        server.createContext("/health/ready", exchange -> {
            String why = probe.notReady();
            send(exchange, why == null ? 200 : 503, "text/plain; charset=utf-8", (why == null ? "ok" : why) + "\n"
                    + probe.readyDetail());
        });
        server.createContext("/metrics", exchange -> send(exchange, 200, PROMETHEUS, metrics.get()));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, Supplier<String> problem) throws IOException {
        String why = problem.get();
        send(exchange, why == null ? 200 : 503, "text/plain; charset=utf-8", (why == null ? "ok" : why) + "\n");
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
