package dev.tinyvol.worker.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Liveness and readiness over HTTP on {@code http.port}: {@code /health/live} answers 200 while the
 * worker's loop runs, {@code /health/ready} 200 once it has its partitions and is not stopping,
 * 503 otherwise, each with a one-line reason. (Metrics are the operations issue's.)
 */
public final class HealthServer implements AutoCloseable {

    /** What the worker says about itself: null when fine, else why not. */
    public interface Probe {
        String notLive();

        String notReady();
    }

    private final HttpServer server;

    public HealthServer(int port, Probe probe) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on http.port " + port + ": " + e.getMessage(), e);
        }
        server.createContext("/health/live", exchange -> answer(exchange, probe::notLive));
        server.createContext("/health/ready", exchange -> answer(exchange, probe::notReady));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, Supplier<String> problem) throws IOException {
        String why = problem.get();
        byte[] body = ((why == null ? "ok" : why) + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(why == null ? 200 : 503, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
