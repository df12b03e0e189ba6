package dev.tinyvol.worker.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry for tests: Debian's {@code docker-registry} (the CNCF Distribution registry)
 * as a child process on a free loopback port, storing in a temporary directory. One per test run
 * ({@link #shared()}), or one of a test's own that it can stop mid-pull; killed at JVM exit.
 */
public final class LocalRegistry implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static LocalRegistry shared;

    private final Path dir;
    private final int port;
    private final boolean secured;
    private Process process;

    private LocalRegistry(Path dir, int port, boolean secured) {
        this.dir = dir;
        this.port = port;
        this.secured = secured;
    }

    public static synchronized LocalRegistry shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** A registry of the caller's own; it closes it (and it is killed at JVM exit in any case). */
    public static LocalRegistry start() {
        return start(false);
    }

    /**
     * A registry that speaks only TLS, with a certificate from a CA of the test's own
     * ({@link #caFile()}), and asks for credentials ({@link #USER} / {@link #PASSWORD}, htpasswd
     * with bcrypt, as Distribution requires).
     */
    public static LocalRegistry startSecured() {
        return start(true);
    }

    public static final String USER = "tinyvol";
    public static final String PASSWORD = "s3cret-pull";

    private static LocalRegistry start(boolean secured) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's docker-registry package (.ci/run does)");
        }
        try {
            Path dir = Files.createTempDirectory("tinyvol-test-registry");
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            LocalRegistry registry = new LocalRegistry(dir, port, secured);
            if (secured) {
                registry.makeCredentials();
            }
            registry.launch();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                registry.kill();
                try {
                    Mount.run("rm", "-rf", dir.toString());
                } catch (IOException ignored) {
                    // A temporary directory left behind is harmless.
                }
            }));
            return registry;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a registry", e);
        }
    }

    private void launch() throws IOException {
        Path config = dir.resolve("config.yml");
        Files.writeString(config, String.join("\n",
                "version: 0.1",
                "log:",
                "  level: error",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"),
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: 127.0.0.1:" + port,
                secured ? "  tls:\n    certificate: " + dir.resolve("server.pem") + "\n    key: " + dir.resolve("server.key")
                        + "\nauth:\n  htpasswd:\n    realm: tinyvol-test\n    path: " + dir.resolve("htpasswd") : "",
                ""));
        process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            try {
                if (secured) {
                    // Listening is enough: answering needs the test CA, which this probe does not carry.
                    try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                        return;
                    }
                }
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the registry did not answer within 30 s");
    }

    /** A CA, a server certificate for 127.0.0.1 signed by it, and an htpasswd file, made with openssl and htpasswd. */
    private void makeCredentials() throws IOException {
        String d = dir.toString();
        Mount.run("sh", "-c", "set -e; cd " + d
                + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tinyvol-test-ca -keyout ca.key -out ca.pem 2>/dev/null"
                + " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null"
                + " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
                + " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null"
                + " && htpasswd -Bbc htpasswd " + USER + " " + PASSWORD + " 2>/dev/null");
    }

    /** The test CA's certificate (PEM), for clients of a {@link #startSecured()} registry. */
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** {@code 127.0.0.1:PORT}: the host part of image references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** Where the registry keeps a blob's bytes (to damage one, as a failing disk would). */
    public Path blobFile(String digest) {
        String hex = digest.substring("sha256:".length());
        return dir.resolve("data/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    /** Stops the process (a registry gone mid-pull); {@link #restart()} brings it back with its data. */
    public void stop() {
        kill();
    }

    /**
     * Freezes the process (SIGSTOP): connections stay open and nothing is answered, as with a
     * registry that hangs; {@link #thaw()} lets it go on where it stopped.
     */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    public void restart() throws IOException {
        launch();
    }

    private void kill() {
        if (process != null && process.isAlive()) {
            try {
                thaw(); // a frozen process ignores nothing but SIGKILL, and SIGKILL is what follows anyway
            } catch (IOException | InterruptedException ignored) {
                // best effort: the SIGKILL below ends it either way
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        kill();
    }
}
