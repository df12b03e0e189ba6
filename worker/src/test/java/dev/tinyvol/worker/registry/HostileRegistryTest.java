package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.HostileRegistry;
import dev.tinyvol.worker.testing.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A registry is hostile input: a server of the test's own plays a registry that redirects to plain
 * HTTP, names a token realm on another host, hands out an upload location on another host, fails
 * one TLS handshake, sends a manifest or token body without end, or answers with URLs that do not
 * parse. Credentials never reach a place that did not ask for them over TLS, every body read stops at
 * its limit, and every malformed answer has its own code.
 */
class HostileRegistryTest {

    static final String OCI = "application/vnd.oci.image.manifest.v1+json";
    static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI + "\",\"config\":{\"mediaType\":"
            + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":2},\"layers\":[]}";
    static final Duration HANG_GUARD = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    private static RegistryClient client(RegistryAuth auth, Path ca) {
        return new RegistryClient(new RegistrySettings(Set.of(), ca, Duration.ofSeconds(10), Duration.ofMinutes(5)), auth);
    }

    private static ImageReference image(HostileRegistry registry) {
        return ImageReference.parse(registry.host() + "/hostile/app:1");
    }

    private static void noAuthorization(HostileRegistry server, String why) {
        for (HostileRegistry.Request r : server.requests()) {
            assertNull(r.header("authorization"), why + ": " + r.method() + " " + r.target() + " carried " + r.header("authorization"));
        }
    }

    @Test
    void anHttpsToHttpRedirectOnTheSameHostAndPortCarriesNoCredentials() throws Exception {
        TestTls tls = TestTls.create(tmp.resolve("tls"));
        try (HostileRegistry registry = HostileRegistry.tls(tls.server(), true, (req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else if (req.tls() && req.header("authorization") == null) {
                ex.respond(401, Map.of("WWW-Authenticate", "Basic realm=\"hostile\""), "");
            } else if (req.tls()) {
                ex.respond(302, Map.of("Location", "http://" + req.header("host") + req.target()), "");
            } else {
                ex.respond(200, Map.of("Content-Type", OCI), MANIFEST);
            }
        })) {
            RegistryClient client = client(RegistryAuth.of(registry.host(), "user", "pull-secret"), tls.caFile());
            RegistryClient.Fetched fetched = client.manifest(image(registry), "1");
            assertEquals(MANIFEST, new String(fetched.body(), StandardCharsets.UTF_8));
            assertTrue(registry.requests().stream().anyMatch(r -> r.tls() && r.header("authorization") != null),
                    "the registry got its credentials over TLS");
            assertTrue(registry.requests().stream().anyMatch(r -> !r.tls()), "the redirect was followed");
            for (HostileRegistry.Request r : registry.requests()) {
                if (!r.tls()) {
                    assertNull(r.header("authorization"), "credentials went in clear text to " + r.target());
                }
            }
        }
    }

    @Test
    void credentialsNeverGoToATokenRealmOnAnotherHost() throws Exception {
        try (HostileRegistry realm = HostileRegistry.plainOn("localhost", (req, ex) ->
                ex.respond(200, Map.of("Content-Type", "application/json"), "{\"token\":\"tok\"}"));
             HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
                 if (req.path().equals("/v2/")) {
                     ex.respond(200, Map.of(), "");
                 } else if ("Bearer tok".equals(req.header("authorization"))) {
                     ex.respond(200, Map.of("Content-Type", OCI), MANIFEST);
                 } else {
                     ex.respond(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://localhost:" + realm.port()
                             + "/token\",service=\"hostile\""), "");
                 }
             })) {
            RegistryClient client = client(RegistryAuth.of(registry.host(), "user", "pull-secret"), null);
            client.manifest(image(registry), "1");
            assertFalse(realm.requests().isEmpty(), "the token was asked for");
            noAuthorization(realm, "the registry's credentials went to a realm on another host");
        }
    }

    @Test
    void aBearerTokenStaysWithTheRegistryThatAskedForIt() throws Exception {
        try (HostileRegistry blobStore = HostileRegistry.plainOn("localhost", (req, ex) -> ex.respond(200, Map.of(), "layer"));
             HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
                 if (req.path().equals("/v2/")) {
                     ex.respond(200, Map.of(), "");
                 } else if (req.path().equals("/token")) {
                     ex.respond(200, Map.of("Content-Type", "application/json"), "{\"token\":\"tok\"}");
                 } else if (!"Bearer tok".equals(req.header("authorization"))) {
                     ex.respond(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://" + req.header("host") + "/token\""), "");
                 } else {
                     ex.respond(307, Map.of("Location", "http://localhost:" + blobStore.port() + "/signed/blob"), "");
                 }
             })) {
            RegistryClient client = client(RegistryAuth.of(registry.host(), "user", "pull-secret"), null);
            try (var in = client.blob(image(registry), "sha256:" + "b".repeat(64))) {
                assertEquals("layer", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertTrue(registry.requests().stream().anyMatch(r -> "Bearer tok".equals(r.header("authorization"))));
            noAuthorization(blobStore, "the registry's token went to the blob store it redirected to");
        }
    }

    @Test
    void anUploadLocationOnAnotherHostGetsNoCredentials() throws Exception {
        try (HostileRegistry elsewhere = HostileRegistry.plainOn("localhost", (req, ex) -> ex.respond(201, Map.of(), ""));
             HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
                 if (req.path().equals("/v2/")) {
                     ex.respond(200, Map.of(), "");
                 } else if (req.header("authorization") == null) {
                     ex.respond(401, Map.of("WWW-Authenticate", "Basic realm=\"hostile\""), "");
                 } else if (req.method().equals("POST")) {
                     ex.respond(202, Map.of("Location", "http://localhost:" + elsewhere.port() + "/upload/1?state=x"), "");
                 } else {
                     ex.respond(404, Map.of(), "");
                 }
             })) {
            RegistryClient client = client(RegistryAuth.of(registry.host(), "user", "push-secret"), null);
            byte[] blob = "blob\n".getBytes(StandardCharsets.UTF_8);
            client.uploadBlob(image(registry), dev.tinyvol.worker.testing.TestImages.sha256(blob),
                    HttpRequest.BodyPublishers.ofByteArray(blob));
            assertEquals(1, elsewhere.requests().size(), "the upload went where the registry said");
            noAuthorization(elsewhere, "the registry's credentials went to an upload location on another host");
        }
    }

    @Test
    void oneFailedTlsHandshakeDoesNotTurnTheRegistryToPlainHttp() throws Exception {
        TestTls tls = TestTls.create(tmp.resolve("tls"));
        try (HostileRegistry registry = HostileRegistry.tls(tls.server(), false, (req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else {
                ex.respond(200, Map.of("Content-Type", OCI), MANIFEST);
            }
        })) {
            registry.dropTlsConnections(2); // the JDK tries a failed GET once more by itself
            RegistryClient client = client(RegistryAuth.ANONYMOUS, tls.caFile());
            client.manifest(image(registry), "1");
            client.manifest(image(registry), "1");
            assertTrue(registry.requests().stream().filter(r -> r.path().contains("/manifests/")).allMatch(HostileRegistry.Request::tls),
                    "manifests were asked for over plain HTTP: " + registry.requests());
        }
    }

    /** Zeros, {@code total} bytes (or without end: -1), chunked when no length is given; counts what got out. */
    private static void stream(OutputStream out, long total, AtomicLong sent) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        while (total < 0 || sent.get() < total) {
            if (total < 0) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(chunk, 0, (int) Math.min(chunk.length, total - sent.get()));
            }
            sent.addAndGet(chunk.length);
        }
        out.flush();
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(longs = {100_000_000L, -1})
    void aHugeOrEndlessManifestIsManifestTooLarge(long length) throws Exception {
        AtomicLong sent = new AtomicLong();
        try (HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
                return;
            }
            stream(ex.head(200, length < 0 ? Map.of("Content-Type", OCI, "Transfer-Encoding", "chunked")
                    : Map.of("Content-Type", OCI, "Content-Length", String.valueOf(length))), length, sent);
        })) {
            RegistryClient client = client(RegistryAuth.ANONYMOUS, null);
            TinyVolException e = assertTimeoutPreemptively(HANG_GUARD, () ->
                    assertThrows(TinyVolException.class, () -> client.manifest(image(registry), "1")));
            assertEquals("MANIFEST_TOO_LARGE", e.code().name(), e.getMessage());
            assertTrue(e.getMessage().contains("registry.manifest.max.size"), e.getMessage());
            assertTrue(sent.get() < 100_000_000L, "the client stopped reading: " + sent.get() + " bytes sent");
        }
    }

    @Test
    void anEndlessTokenBodyIsRegistryResponseTooLarge() throws Exception {
        AtomicLong sent = new AtomicLong();
        try (HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else if (req.path().equals("/token")) {
                stream(ex.head(200, Map.of("Content-Type", "application/json", "Transfer-Encoding", "chunked")), -1, sent);
            } else {
                ex.respond(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://" + req.header("host") + "/token\""), "");
            }
        })) {
            RegistryClient client = client(RegistryAuth.ANONYMOUS, null);
            TinyVolException e = assertTimeoutPreemptively(HANG_GUARD, () ->
                    assertThrows(TinyVolException.class, () -> client.manifest(image(registry), "1")));
            assertEquals("REGISTRY_RESPONSE_TOO_LARGE", e.code().name(), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"realm with a space", "realm not http", "location unparsable", "token not json", "token without token"})
    void aMalformedAnswerIsMalformedRegistryResponse(String kind) throws Exception {
        try (HostileRegistry registry = HostileRegistry.plain((req, ex) -> {
            String host = req.header("host");
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else if (req.path().equals("/token")) {
                ex.respond(200, Map.of("Content-Type", "application/json"), kind.equals("token not json") ? "<html>" : "{\"expires_in\":60}");
            } else if (kind.equals("location unparsable")) {
                ex.respond(302, Map.of("Location", "http://[broken/v2/x"), "");
            } else {
                String realm = switch (kind) {
                    case "realm with a space" -> "http://" + host + "/to ken";
                    case "realm not http" -> "file:///etc/passwd";
                    default -> "http://" + host + "/token";
                };
                ex.respond(401, Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\""), "");
            }
        })) {
            RegistryClient client = client(RegistryAuth.ANONYMOUS, null);
            Throwable t = assertThrows(Throwable.class, () -> client.manifest(image(registry), "1"));
            assertTrue(t instanceof TinyVolException, "not a coded failure: " + t);
            assertEquals("MALFORMED_REGISTRY_RESPONSE", ((TinyVolException) t).code().name(), t.getMessage());
        }
    }
}
