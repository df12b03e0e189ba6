package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * The OCI distribution API, as much as pulling and pushing need, on {@code java.net.http}: HTTPS
 * (plain HTTP only for loopback and hosts configured insecure), anonymous, basic and bearer-token
 * auth (the {@code WWW-Authenticate} challenge), redirects for blobs followed by hand so the
 * {@code Authorization} header never goes to another host, and transient failures (5xx, resets,
 * time-outs) retried with backoff before they are {@code REGISTRY_UNAVAILABLE}.
 */
public final class RegistryClient {

    /** Attempts for one request when the registry fails in a way that can pass. */
    static final int ATTEMPTS = 4;
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient http;
    private final RegistryAuth auth;
    private final RegistrySettings settings;
    /** Bearer tokens by registry and scope, reused until the registry refuses them. */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    public RegistryClient(RegistrySettings settings, RegistryAuth auth) {
        this.settings = settings;
        this.auth = auth;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // by hand: credentials stay with their host
                .connectTimeout(settings.connectTimeout());
        SSLContext tls = settings.sslContext();
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    /** A manifest or index: its bytes, media type and digest (as the registry names it). */
    public record Fetched(byte[] body, String mediaType, String digest) {
    }

    public Fetched manifest(ImageReference image, String reference) {
        URI uri = base(image).resolve("manifests/" + reference);
        HttpResponse<byte[]> response = send(image, "pull", uri, "GET", HttpRequest.BodyPublishers.noBody(),
                Map.of("Accept", String.join(", ", MediaTypes.MANIFESTS)), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 404) {
            throw new TinyVolException(ErrorCode.IMAGE_NOT_FOUND, image.toString(), "no image " + image.registry() + "/"
                    + image.repository() + (reference.startsWith("sha256:") ? "@" : ":") + reference
                    + " in the registry (HTTP 404); check the repository and tag");
        }
        requireOk(image, response, "reading the manifest of " + image);
        String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        return new Fetched(response.body(), type, response.headers().firstValue("Docker-Content-Digest").orElse(null));
    }

    /** The blob's bytes as they stream (the caller verifies the digest and closes the stream). */
    public InputStream blob(ImageReference image, String digest) {
        URI uri = base(image).resolve("blobs/" + digest);
        HttpResponse<InputStream> response = send(image, "pull", uri, "GET", HttpRequest.BodyPublishers.noBody(), Map.of(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 404) {
            close(response.body());
            throw new TinyVolException(ErrorCode.IMAGE_NOT_FOUND, image.toString(), "the registry has no blob " + digest
                    + " of " + image + " (HTTP 404), though the image's manifest names it");
        }
        if (response.statusCode() != 200) {
            close(response.body());
            requireOk(image, response, "downloading blob " + digest);
        }
        return response.body();
    }

    /** Whether the repository has the blob already (so a push need not upload it). */
    public boolean hasBlob(ImageReference image, String digest) {
        HttpResponse<Void> response = send(image, "pull,push", base(image).resolve("blobs/" + digest), "HEAD",
                HttpRequest.BodyPublishers.noBody(), Map.of(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode() == 200;
    }

    /** Uploads one blob in a single PUT (monolithic upload, as the spec allows). */
    public void uploadBlob(ImageReference image, String digest, HttpRequest.BodyPublisher body) {
        HttpResponse<Void> started = send(image, "pull,push", base(image).resolve("blobs/uploads/"), "POST",
                HttpRequest.BodyPublishers.noBody(), Map.of(), HttpResponse.BodyHandlers.discarding());
        if (started.statusCode() != 202) {
            requireOk(image, started, "starting an upload to " + image.repository());
        }
        String location = started.headers().firstValue("Location").orElseThrow(() -> new TinyVolException(
                ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "the registry started an upload without a Location"));
        URI upload = started.uri().resolve(location);
        String query = (upload.getRawQuery() == null ? "" : upload.getRawQuery() + "&") + "digest="
                + URLEncoder.encode(digest, StandardCharsets.UTF_8);
        URI put = URI.create(upload.getScheme() + "://" + upload.getRawAuthority() + upload.getRawPath() + "?" + query);
        HttpResponse<Void> done = send(image, "pull,push", put, "PUT", body,
                Map.of("Content-Type", "application/octet-stream"), HttpResponse.BodyHandlers.discarding());
        if (done.statusCode() != 201) {
            requireOk(image, done, "uploading blob " + digest);
        }
    }

    public void putManifest(ImageReference image, String reference, String mediaType, byte[] body) {
        HttpResponse<Void> response = send(image, "pull,push", base(image).resolve("manifests/" + reference), "PUT",
                HttpRequest.BodyPublishers.ofByteArray(body), Map.of("Content-Type", mediaType),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 201) {
            requireOk(image, response, "storing the manifest of " + image);
        }
    }

    /** The scheme each registry answered on, found once per client. */
    private final Map<String, String> schemes = new ConcurrentHashMap<>();

    private URI base(ImageReference image) {
        return URI.create(schemes.computeIfAbsent(image.registry(), r -> scheme(image)) + "://" + image.registry() + "/v2/"
                + image.repository() + "/");
    }

    /**
     * HTTPS, always for a registry on another host; for a loopback or insecure one, HTTPS if it
     * speaks TLS and HTTP if it does not (as Docker falls back). An untrusted certificate is never
     * a reason to fall back: that is REGISTRY_UNTRUSTED.
     */
    private String scheme(ImageReference image) {
        if (!settings.mayUseHttp(image.registry(), image.hostName())) {
            return "https";
        }
        try {
            http.send(HttpRequest.newBuilder(URI.create("https://" + image.registry() + "/v2/"))
                    .timeout(settings.connectTimeout()).GET().build(), HttpResponse.BodyHandlers.discarding());
            return "https";
        } catch (javax.net.ssl.SSLHandshakeException e) {
            if (untrusted(e)) {
                throw untrustedError(image, e);
            }
            return "http";
        } catch (IOException e) {
            return "http"; // not TLS (or not there: the first real request says so)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "http";
        }
    }

    private static boolean untrusted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException || t instanceof java.security.cert.CertPathValidatorException
                    || String.valueOf(t.getMessage()).contains("PKIX") || String.valueOf(t.getMessage()).contains("No subject alternative")) {
                return true;
            }
        }
        return false;
    }

    private TinyVolException untrustedError(ImageReference image, Throwable e) {
        return new TinyVolException(ErrorCode.REGISTRY_UNTRUSTED, image.registry(), "the TLS certificate of registry "
                + image.registry() + " is not trusted by this node (" + rootMessage(e) + "); give its CA with --ca-file "
                + "(registry.ca.file for the worker)");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? "no detail" : t.getMessage();
    }

    /**
     * One request with auth, redirects and retries. A 401 is answered once per challenge (basic
     * credentials, or a bearer token fetched from the realm); a 5xx, a reset or a time-out is tried
     * again after a growing pause.
     */
    private <T> HttpResponse<T> send(ImageReference image, String actions, URI uri, String method,
                                     HttpRequest.BodyPublisher body, Map<String, String> headers,
                                     HttpResponse.BodyHandler<T> handler) {
        String scope = "repository:" + image.repository() + ":" + actions;
        IOException lastFailure = null;
        int lastStatus = 0;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                pause(attempt);
            }
            try {
                HttpResponse<T> response = sendFollowing(image, scope, uri, method, body, headers, handler, true);
                if (response.statusCode() == 401) {
                    String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
                    drain(response);
                    if (!answer(image, scope, challenge)) {
                        throw unauthorized(image, challenge);
                    }
                    response = sendFollowing(image, scope, uri, method, body, headers, handler, true);
                    if (response.statusCode() == 401) {
                        drain(response);
                        throw unauthorized(image, challenge);
                    }
                }
                if (response.statusCode() >= 500 || response.statusCode() == 429) {
                    lastStatus = response.statusCode();
                    drain(response);
                    continue;
                }
                return response;
            } catch (javax.net.ssl.SSLHandshakeException e) {
                if (untrusted(e)) {
                    throw untrustedError(image, e); // trying again cannot help
                }
                lastFailure = e;
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TinyVolException(ErrorCode.INTERRUPTED, image.registry(), "interrupted while talking to " + image.registry());
            }
        }
        String why = lastFailure != null ? describe(lastFailure) : "HTTP " + lastStatus;
        throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "registry " + image.registry()
                + " did not answer " + method + " " + uri.getPath() + " after " + ATTEMPTS + " attempts (" + why
                + "); check that it runs and is reachable from this node");
    }

    private <T> HttpResponse<T> sendFollowing(ImageReference image, String scope, URI uri, String method,
                                              HttpRequest.BodyPublisher body, Map<String, String> headers,
                                              HttpResponse.BodyHandler<T> handler, boolean withAuth)
            throws IOException, InterruptedException {
        URI target = uri;
        boolean sameHost = true;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(settings.requestTimeout())
                    .method(method, body);
            headers.forEach(request::header);
            if (withAuth && sameHost) {
                authorization(image, scope).ifPresent(value -> request.header("Authorization", value));
            }
            HttpResponse<T> response = http.send(request.build(), handler);
            int status = response.statusCode();
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            if (!redirect || !(method.equals("GET") || method.equals("HEAD"))) {
                return response;
            }
            if (hop >= MAX_REDIRECTS) {
                drain(response);
                throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "more than " + MAX_REDIRECTS
                        + " redirects for " + uri.getPath());
            }
            String location = response.headers().firstValue("Location").orElse(null);
            drain(response);
            if (location == null) {
                throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "a redirect without a Location");
            }
            URI next = target.resolve(location);
            // Blob stores (S3, a CDN) get no registry credentials: they are signed into the URL.
            sameHost &= next.getHost() != null && next.getHost().equalsIgnoreCase(uri.getHost()) && next.getPort() == uri.getPort();
            target = next;
        }
    }

    private Optional<String> authorization(ImageReference image, String scope) {
        String token = tokens.get(image.registry() + " " + scope);
        if (token != null) {
            return Optional.of("Bearer " + token);
        }
        if (tokens.containsKey(image.registry() + " basic")) {
            return auth.basic(image.registry()).map(b -> "Basic " + b);
        }
        return Optional.empty();
    }

    /** Meets a 401's challenge: basic credentials, or a bearer token from the realm. False if it cannot. */
    private boolean answer(ImageReference image, String scope, String challenge)
            throws IOException, InterruptedException {
        Challenge c = Challenge.parse(challenge);
        if (c.scheme().equalsIgnoreCase("basic")) {
            if (auth.basic(image.registry()).isEmpty()) {
                return false;
            }
            tokens.put(image.registry() + " basic", "");
            return true;
        }
        if (!c.scheme().equalsIgnoreCase("bearer") || c.params().get("realm") == null) {
            return false;
        }
        StringBuilder query = new StringBuilder();
        if (c.params().containsKey("service")) {
            query.append("service=").append(URLEncoder.encode(c.params().get("service"), StandardCharsets.UTF_8));
        }
        String wanted = c.params().getOrDefault("scope", scope);
        for (String s : List.of(wanted.equals(scope) ? scope : wanted, scope).stream().distinct().toList()) {
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
        }
        URI realm = URI.create(c.params().get("realm") + (c.params().get("realm").contains("?") ? "&" : "?") + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(realm).timeout(settings.requestTimeout()).GET();
        auth.basic(image.registry()).ifPresent(b -> request.header("Authorization", "Basic " + b));
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            return false;
        }
        if (response.statusCode() != 200) {
            throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "the token service " + realm.getHost()
                    + " answered HTTP " + response.statusCode());
        }
        String token = TokenResponse.token(response.body());
        if (token == null) {
            return false;
        }
        tokens.put(image.registry() + " " + scope, token);
        return true;
    }

    private TinyVolException unauthorized(ImageReference image, String challenge) {
        boolean haveCredentials = auth.basic(image.registry()).isPresent();
        return new TinyVolException(ErrorCode.UNAUTHORIZED, image.toString(), "registry " + image.registry()
                + " refused " + (haveCredentials ? "the credentials configured for it" : "anonymous access") + " to "
                + image.repository() + (haveCredentials ? "; check the user and password" : "; give credentials with "
                + "--registry-config (a docker config.json with an auths entry for " + image.registry() + ")"));
    }

    private static void requireOk(ImageReference image, HttpResponse<?> response, String doing) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return;
        }
        if (status == 403) {
            throw new TinyVolException(ErrorCode.UNAUTHORIZED, image.toString(), doing + ": the registry refused it (HTTP 403)");
        }
        throw new TinyVolException(status >= 500 ? ErrorCode.REGISTRY_UNAVAILABLE : ErrorCode.IMAGE_NOT_FOUND,
                image.toString(), doing + ": the registry answered HTTP " + status);
    }

    private static void drain(HttpResponse<?> response) {
        if (response.body() instanceof InputStream in) {
            close(in);
        }
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing a response we no longer read cannot fail in a way that matters.
        }
    }

    private static String describe(IOException e) {
        String name = e instanceof java.net.http.HttpTimeoutException ? "timed out"
                : e instanceof java.net.ConnectException ? "connection refused"
                : e.getMessage() != null ? e.getMessage() : "connection failed";
        return name;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(4000, 250L << (attempt - 2)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The parts of a {@code WWW-Authenticate} header: scheme and {@code key="value"} pairs. */
    record Challenge(String scheme, Map<String, String> params) {
        static Challenge parse(String header) {
            String h = header.strip();
            int space = h.indexOf(' ');
            String scheme = space < 0 ? h : h.substring(0, space);
            Map<String, String> params = new java.util.LinkedHashMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z_]+)=(?:\"([^\"]*)\"|([^,\\s]*))")
                    .matcher(space < 0 ? "" : h.substring(space + 1));
            while (m.find()) {
                params.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
            }
            return new Challenge(scheme, params);
        }
    }

    /** A token service's answer: {@code token} or (OAuth2) {@code access_token}. */
    static final class TokenResponse {
        static String token(byte[] json) throws IOException {
            var node = RegistryJson.MAPPER.readTree(json);
            var token = node.hasNonNull("token") ? node.get("token") : node.get("access_token");
            return token == null ? null : token.asText();
        }
    }
}
