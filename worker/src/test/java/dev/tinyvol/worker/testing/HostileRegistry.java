package dev.tinyvol.worker.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A registry played by the test on a raw socket, for what a real one never does: redirect to plain
 * HTTP, name a foreign token realm, send an endless body, send half a layer and go silent. One port
 * serves TLS and plain HTTP alike (the first byte tells which), so "the same host" can be asked over
 * both schemes. Every request is recorded with its headers. Each connection serves one request
 * ({@code Connection: close}); a handler that {@link Exchange#hold()}s keeps its socket open until
 * the registry is closed.
 */
public final class HostileRegistry implements AutoCloseable {

    /** One request as it arrived. */
    public record Request(boolean tls, String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }
    }

    @FunctionalInterface
    public interface Handler {
        void answer(Request request, Exchange exchange) throws IOException, InterruptedException;
    }

    /** How a handler answers. */
    public final class Exchange {
        private final OutputStream out;

        Exchange(OutputStream out) {
            this.out = out;
        }

        public void respond(int status, Map<String, String> headers, byte[] body) throws IOException {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.putIfAbsent("Content-Length", String.valueOf(body.length));
            head(status, all);
            out.write(body);
            out.flush();
        }

        public void respond(int status, Map<String, String> headers, String body) throws IOException {
            respond(status, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        /** The status line and headers (and Connection: close); the body is the caller's to write. */
        public OutputStream head(int status, Map<String, String> headers) throws IOException {
            StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
            headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
            h.append("Connection: close\r\n\r\n");
            out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return out;
        }

        /** Keeps the connection open and silent until the registry is closed. */
        public void hold() throws InterruptedException {
            held.incrementAndGet();
            closed.await();
        }
    }

    private final ServerSocket server;
    private final SSLContext tls;
    private final boolean plainHttp;
    private final Handler handler;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger dropTlsConnections = new AtomicInteger();
    private final Thread acceptor;

    /**
     * @param tls       the server's TLS, or null for a plain-HTTP registry
     * @param plainHttp whether plain HTTP requests are served too (a TLS registry that is not told
     *                  so answers them 400, as Go's TLS server does)
     */
    private HostileRegistry(String address, SSLContext tls, boolean plainHttp, Handler handler) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName(address));
        this.tls = tls;
        this.plainHttp = plainHttp;
        this.handler = handler;
        this.acceptor = new Thread(this::accept, "hostile-registry-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A plain-HTTP registry on 127.0.0.1. */
    public static HostileRegistry plain(Handler handler) throws IOException {
        return new HostileRegistry("127.0.0.1", null, true, handler);
    }

    /** A plain-HTTP server on {@code address} (another loopback name or address: another host). */
    public static HostileRegistry plainOn(String address, Handler handler) throws IOException {
        return new HostileRegistry(address, null, true, handler);
    }

    /** A TLS registry on 127.0.0.1 that also serves plain HTTP on the same port if {@code plainToo}. */
    public static HostileRegistry tls(SSLContext tls, boolean plainToo, Handler handler) throws IOException {
        return new HostileRegistry("127.0.0.1", tls, plainToo, handler);
    }

    /** The next {@code n} TLS connections are dropped in the handshake (a transient TLS failure). */
    public void dropTlsConnections(int n) {
        dropTlsConnections.set(n);
    }

    /** {@code 127.0.0.1:PORT}. */
    public String host() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Connections a handler holds silent right now. */
    public int held() {
        return held.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "hostile-registry-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket raw) {
        try (raw) {
            InputStream in = new BufferedInputStream(raw.getInputStream());
            in.mark(1);
            int first = in.read();
            if (first < 0) {
                return;
            }
            in.reset();
            boolean isTls = first == 0x16;
            Socket socket = raw;
            if (isTls && tls == null) {
                // A plain server reading a ClientHello: it answers garbage with 400.
                raw.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            if (isTls) {
                if (dropTlsConnections.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return; // closed in the middle of the handshake
                }
                byte[] consumed = in.readNBytes(in.available());
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, new ByteArrayInputStream(consumed), true);
                ssl.setUseClientMode(false);
                ssl.startHandshake();
                socket = ssl;
                sockets.add(ssl);
                in = new BufferedInputStream(ssl.getInputStream());
            } else if (tls != null && !plainHttp) {
                raw.getOutputStream().write(("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            Request request = readRequest(in, isTls);
            if (request == null) {
                return;
            }
            requests.add(request);
            handler.answer(request, new Exchange(socket.getOutputStream()));
        } catch (IOException e) {
            // the client went away: what a test checks is what arrived
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Request readRequest(InputStream in, boolean tls) throws IOException {
        String line = readLine(in);
        if (line == null || line.isEmpty()) {
            return null;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
            }
        }
        long length = headers.containsKey("content-length") ? Long.parseLong(headers.get("content-length")) : 0;
        in.skipNBytes(length);
        return new Request(tls, parts[0], parts.length > 1 ? parts[1] : "/", headers);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 302 -> "Found";
            case 307 -> "Temporary Redirect";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            default -> "Status";
        };
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
