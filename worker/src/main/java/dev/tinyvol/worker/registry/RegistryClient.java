package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * The OCI distribution API, as much as pulling and pushing need, on {@code java.net.http}: HTTPS
 * (plain HTTP only for loopback and hosts configured insecure), anonymous, basic and bearer-token
 * auth (the {@code WWW-Authenticate} challenge), redirects for blobs followed by hand, and transient
 * failures (5xx, resets, time-outs) retried with backoff before they are {@code REGISTRY_UNAVAILABLE}.
 *
 * <p>A registry is hostile input. Every body is read through {@link TimedBody} (no wait for bytes
 * longer than the stall timeout, none past the pull's {@link Deadline}) and up to its limit
 * ({@link RegistryLimits}); an answer that does not parse is {@code MALFORMED_REGISTRY_RESPONSE}.
 * Credentials go only where they were asked for, over TLS: the {@code Authorization} header only to
 * the registry's own scheme, host and port (never across an https → http redirect, never to a blob
 * store or upload location elsewhere), and only over HTTPS unless the host is loopback or named
 * insecure; basic credentials go to a token realm only on the registry's own host (or one the
 * config.json names itself).
 */
public final class RegistryClient {

    /** Attempts for one request when the registry fails in a way that can pass. */
    static final int ATTEMPTS = 4;
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient http;
    private final RegistryAuth auth;
    private final RegistrySettings settings;
    /** Bearer tokens by registry and scope, reused until the registry refuses them. */
    private final Map<String, String> tokens;
    /** The scheme each registry answered on, remembered only once it is known for certain. */
    private final Map<String, String> schemes;
    private final Deadline deadline;

    public RegistryClient(RegistrySettings settings, RegistryAuth auth) {
        this.settings = settings;
        this.auth = auth;
        this.tokens = new ConcurrentHashMap<>();
        this.schemes = new ConcurrentHashMap<>();
        this.deadline = Deadline.NONE;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // by hand: credentials stay with their origin
                .connectTimeout(settings.connectTimeout());
        SSLContext tls = settings.sslContext();
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    private RegistryClient(RegistryClient shared, Deadline deadline) {
        this.settings = shared.settings;
        this.auth = shared.auth;
        this.tokens = shared.tokens;
        this.schemes = shared.schemes;
        this.http = shared.http;
        this.deadline = deadline;
    }

    /**
     * This client for one pull: its connections, tokens and schemes, and a deadline of
     * {@code registry.pull.deadline} from now that every request and body read of the pull keeps.
     */
    public RegistryClient forPull() {
        return new RegistryClient(this, Deadline.after(settings.limits().pullDeadline()));
    }

    public RegistryLimits limits() {
        return settings.limits();
    }

    /** A manifest or index: its bytes, media type and digest (as the registry names it). */
    public record Fetched(byte[] body, String mediaType, String digest) {
    }

    public Fetched manifest(ImageReference image, String reference) {
        HttpResponse<InputStream> response = send(image, "pull", "manifests/" + reference, null, "GET",
                HttpRequest.BodyPublishers.noBody(), Map.of("Accept", String.join(", ", MediaTypes.MANIFESTS)));
        if (response.statusCode() == 404) {
            close(response);
            throw new TinyVolException(ErrorCode.IMAGE_NOT_FOUND, image.toString(), "no image " + image.registry() + "/"
                    + image.repository() + (reference.startsWith("sha256:") ? "@" : ":") + reference
                    + " in the registry (HTTP 404); check the repository and tag");
        }
        requireOk(image, response, "reading the manifest of " + image);
        long limit = settings.limits().manifestBytes();
        byte[] body = readLimited(image, response, limit, () -> new TinyVolException(ErrorCode.MANIFEST_TOO_LARGE,
                image.toString(), "the manifest of " + image + " is larger than " + limit + " bytes (registry.manifest.max.size; "
                + "containerd's limit is 4 MiB too); it is not read"));
        String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        return new Fetched(body, type, response.headers().firstValue("Docker-Content-Digest").orElse(null));
    }

    /**
     * The blob's bytes as they stream (the caller verifies the digest, cuts the stream at the size the
     * descriptor declares, and closes it); each read waits at most the stall timeout.
     */
    public InputStream blob(ImageReference image, String digest) {
        HttpResponse<InputStream> response = send(image, "pull", "blobs/" + digest, null, "GET",
                HttpRequest.BodyPublishers.noBody(), Map.of());
        if (response.statusCode() == 404) {
            close(response);
            throw new TinyVolException(ErrorCode.IMAGE_NOT_FOUND, image.toString(), "the registry has no blob " + digest
                    + " of " + image + " (HTTP 404), though the image's manifest names it");
        }
        if (response.statusCode() != 200) {
            requireOk(image, response, "downloading blob " + digest);
        }
        return response.body();
    }

    /** Whether the repository has the blob already (so a push need not upload it). */
    public boolean hasBlob(ImageReference image, String digest) {
        HttpResponse<InputStream> response = send(image, "pull,push", "blobs/" + digest, null, "HEAD",
                HttpRequest.BodyPublishers.noBody(), Map.of());
        close(response);
        return response.statusCode() == 200;
    }

    /**
     * Uploads one blob in a single PUT (monolithic upload, as the spec allows). The upload location is
     * the registry's to name; on another scheme, host or port it gets no credentials.
     */
    public void uploadBlob(ImageReference image, String digest, HttpRequest.BodyPublisher body) {
        HttpResponse<InputStream> started = send(image, "pull,push", "blobs/uploads/", null, "POST",
                HttpRequest.BodyPublishers.noBody(), Map.of());
        close(started);
        if (started.statusCode() != 202) {
            requireOk(image, started, "starting an upload to " + image.repository());
        }
        String location = started.headers().firstValue("Location").orElseThrow(() -> new TinyVolException(
                ErrorCode.MALFORMED_REGISTRY_RESPONSE, image.registry(), "registry " + image.registry()
                + " started an upload without a Location"));
        URI upload = httpUri(image, started.uri(), location, "upload Location");
        String query = (upload.getRawQuery() == null ? "" : upload.getRawQuery() + "&") + "digest="
                + URLEncoder.encode(digest, StandardCharsets.UTF_8);
        URI put = URI.create(upload.getScheme() + "://" + upload.getRawAuthority() + upload.getRawPath() + "?" + query);
        HttpResponse<InputStream> done = send(image, "pull,push", null, put, "PUT", body,
                Map.of("Content-Type", "application/octet-stream"));
        close(done);
        if (done.statusCode() != 201) {
            requireOk(image, done, "uploading blob " + digest);
        }
    }

    public void putManifest(ImageReference image, String reference, String mediaType, byte[] body) {
        HttpResponse<InputStream> response = send(image, "pull,push", "manifests/" + reference, null, "PUT",
                HttpRequest.BodyPublishers.ofByteArray(body), Map.of("Content-Type", mediaType));
        close(response);
        if (response.statusCode() != 201) {
            requireOk(image, response, "storing the manifest of " + image);
        }
    }

    private URI base(ImageReference image) {
        return URI.create(scheme(image) + "://" + image.registry() + "/v2/" + image.repository() + "/");
    }

    /**
     * HTTPS, always for a registry on another host; for a loopback or insecure one, HTTPS if it
     * speaks TLS and HTTP if it answers the registry API over plain HTTP (as Docker falls back). Only
     * such a definite answer is remembered: a TLS failure that may pass (a reset handshake, a time-out)
     * leaves the scheme unknown, HTTPS for this request, and asks again next time. An untrusted
     * certificate is never a reason to fall back: that is REGISTRY_UNTRUSTED.
     */
    private String scheme(ImageReference image) {
        String known = schemes.get(image.registry());
        if (known != null) {
            return known;
        }
        if (!settings.mayUseHttp(image.registry(), image.hostName())) {
            schemes.put(image.registry(), "https");
            return "https";
        }
        try {
            probe(image, "https");
            schemes.put(image.registry(), "https");
            return "https";
        } catch (javax.net.ssl.SSLHandshakeException e) {
            if (untrusted(e)) {
                throw untrustedError(image, e);
            }
        } catch (IOException e) {
            // not TLS, or not there: asked below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(image);
        }
        try {
            int status = probe(image, "http");
            if (status == 200 || status == 401) { // the registry API's own answers to GET /v2/
                schemes.put(image.registry(), "http");
                return "http";
            }
        } catch (IOException e) {
            // not there either: the request says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(image);
        }
        return "https";
    }

    /** GET /v2/ over {@code scheme}: its status (the body is not read). */
    private int probe(ImageReference image, String scheme) throws IOException, InterruptedException {
        URI uri = URI.create(scheme + "://" + image.registry() + "/v2/");
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(deadline.cap(settings.connectTimeout()))
                .GET().build(), body(image, "GET", uri));
        close(r);
        return r.statusCode();
    }

    private HttpResponse.BodyHandler<InputStream> body(ImageReference image, String method, URI uri) {
        return TimedBody.handler(settings.limits().stallTimeout(), deadline, image.registry(), method + " " + uri.getRawPath());
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

    private static TinyVolException interrupted(ImageReference image) {
        return new TinyVolException(ErrorCode.INTERRUPTED, image.registry(), "interrupted while talking to " + image.registry());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? "no detail" : t.getMessage();
    }

    /**
     * One request with auth, redirects and retries, to {@code relative} (under the repository, on
     * the registry's scheme as known at each attempt) or to {@code absolute}. A 401 is answered once
     * per challenge (basic credentials, or a bearer token fetched from the realm); a 5xx, a reset or a
     * time-out is tried again after a growing pause. No attempt or pause runs past the deadline.
     */
    private HttpResponse<InputStream> send(ImageReference image, String actions, String relative, URI absolute, String method,
                                           HttpRequest.BodyPublisher body, Map<String, String> headers) {
        String scope = "repository:" + image.repository() + ":" + actions;
        IOException lastFailure = null;
        int lastStatus = 0;
        URI uri = absolute;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                pause(attempt);
            }
            requireTimeLeft(image, method, uri != null ? uri.getPath() : "/v2/" + image.repository() + "/" + relative);
            try {
                URI origin = base(image);
                uri = absolute != null ? absolute : origin.resolve(relative);
                HttpResponse<InputStream> response = sendFollowing(image, scope, origin, uri, method, body, headers);
                if (response.statusCode() == 401) {
                    String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
                    close(response);
                    if (!answer(image, scope, challenge)) {
                        throw unauthorized(image, challenge);
                    }
                    response = sendFollowing(image, scope, origin, uri, method, body, headers);
                    if (response.statusCode() == 401) {
                        close(response);
                        throw unauthorized(image, challenge);
                    }
                }
                if (response.statusCode() >= 500 || response.statusCode() == 429) {
                    lastStatus = response.statusCode();
                    close(response);
                    continue;
                }
                return response;
            } catch (javax.net.ssl.SSLHandshakeException e) {
                if (untrusted(e)) {
                    throw untrustedError(image, e); // trying again cannot help
                }
                lastFailure = e;
            } catch (CodedIOException e) {
                throw e.failure();
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(image);
            }
        }
        String why = lastFailure != null ? describe(lastFailure) : "HTTP " + lastStatus;
        throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "registry " + image.registry()
                + " did not answer " + method + " " + (uri == null ? relative : uri.getPath()) + " after " + ATTEMPTS
                + " attempts (" + why + "); check that it runs and is reachable from this node");
    }

    private void requireTimeLeft(ImageReference image, String method, String path) {
        if (deadline.passed()) {
            throw new TinyVolException(ErrorCode.PULL_DEADLINE_EXCEEDED, image.registry(), "the pull ran past its deadline of "
                    + TimedBody.seconds(deadline.length()) + " (registry.pull.deadline) before " + method + " " + path
                    + " of registry " + image.registry() + " was answered");
        }
    }

    private HttpResponse<InputStream> sendFollowing(ImageReference image, String scope, URI origin, URI uri, String method,
                                                    HttpRequest.BodyPublisher body, Map<String, String> headers)
            throws IOException, InterruptedException {
        URI target = uri;
        // Reads wait for an answer as long as for any byte; an upload's answer waits for its body to go out too.
        Duration wait = method.equals("GET") || method.equals("HEAD") ? settings.limits().stallTimeout() : settings.requestTimeout();
        for (int hop = 0; ; hop++) {
            requireTimeLeft(image, method, target.getPath());
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(deadline.cap(wait)).method(method, body);
            headers.forEach(request::header);
            if (mayCarryCredentials(origin, target)) {
                authorization(image, scope).ifPresent(value -> request.header("Authorization", value));
            }
            HttpResponse<InputStream> response = http.send(request.build(), body(image, method, target));
            int status = response.statusCode();
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            if (!redirect || !(method.equals("GET") || method.equals("HEAD"))) {
                return response;
            }
            close(response);
            if (hop >= MAX_REDIRECTS) {
                throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "more than " + MAX_REDIRECTS
                        + " redirects for " + uri.getPath());
            }
            String location = response.headers().firstValue("Location").orElseThrow(() -> new TinyVolException(
                    ErrorCode.MALFORMED_REGISTRY_RESPONSE, image.registry(), "registry " + image.registry()
                    + " redirected " + method + " " + uri.getPath() + " without a Location"));
            target = httpUri(image, target, location, "redirect Location");
        }
    }

    /**
     * Whether a request to {@code target} may carry the registry's credentials: only to the
     * registry's own origin (scheme, host and port: so never across an https → http redirect, never
     * to a blob store or an upload location elsewhere, which sign their URLs), and over plain HTTP
     * only to a loopback or insecure host.
     */
    private boolean mayCarryCredentials(URI origin, URI target) {
        return sameOrigin(origin, target) && overTlsOrAllowed(target);
    }

    private boolean overTlsOrAllowed(URI target) {
        return "https".equalsIgnoreCase(target.getScheme())
                || settings.mayUseHttp(target.getRawAuthority(), target.getHost().replaceAll("^\\[|]$", ""));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null && b.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** {@code text} (a Location or realm) resolved against {@code base}: an http(s) URL with a host, or MALFORMED_REGISTRY_RESPONSE. */
    private static URI httpUri(ImageReference image, URI base, String text, String what) {
        URI resolved;
        try {
            resolved = base == null ? new URI(text) : base.resolve(new URI(text));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw malformed(image, what, text, "it does not parse as a URL");
        }
        String scheme = resolved.getScheme() == null ? "" : resolved.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || resolved.getHost() == null) {
            throw malformed(image, what, text, "it is not an http or https URL with a host");
        }
        return resolved;
    }

    private static TinyVolException malformed(ImageReference image, String what, String text, String why) {
        String shown = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        return new TinyVolException(ErrorCode.MALFORMED_REGISTRY_RESPONSE, image.registry(), "registry " + image.registry()
                + " answered with a " + what + " \"" + shown + "\" that cannot be used: " + why);
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
    private boolean answer(ImageReference image, String scope, String challenge) throws IOException, InterruptedException {
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
        String realmText = c.params().get("realm");
        URI given = httpUri(image, null, realmText, "token realm");
        URI realm = httpUri(image, null, realmText + (realmText.contains("?") ? "&" : "?") + query, "token realm");
        HttpRequest.Builder request = HttpRequest.newBuilder(realm).timeout(deadline.cap(settings.limits().stallTimeout())).GET();
        realmCredentials(image, given).ifPresent(b -> request.header("Authorization", "Basic " + b));
        HttpResponse<InputStream> response = http.send(request.build(), body(image, "GET", realm));
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            close(response);
            return false;
        }
        if (response.statusCode() != 200) {
            close(response);
            throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "the token service " + realm.getHost()
                    + " answered HTTP " + response.statusCode());
        }
        long limit = settings.limits().responseBytes();
        byte[] body = readLimited(image, response, limit, () -> new TinyVolException(ErrorCode.REGISTRY_RESPONSE_TOO_LARGE,
                image.registry(), "the token service " + realm.getHost() + " answered with more than " + limit
                + " bytes (registry.response.max.size); a token is a few kilobytes"));
        String token = TokenResponse.token(body);
        if (token == null) {
            throw new TinyVolException(ErrorCode.MALFORMED_REGISTRY_RESPONSE, image.registry(), "the token service "
                    + realm.getHost() + " answered with no token (JSON with token or access_token)");
        }
        tokens.put(image.registry() + " " + scope, token);
        return true;
    }

    /**
     * Basic credentials for a token realm: the registry's own, only to a realm on the registry's own
     * host; those config.json gives for the realm's host, to that host. Never over plain HTTP to a host
     * that is neither loopback nor named insecure.
     */
    private Optional<String> realmCredentials(ImageReference image, URI realm) {
        if (!overTlsOrAllowed(realm)) {
            return Optional.empty();
        }
        Optional<String> own = auth.basic(realm.getRawAuthority()).or(() -> auth.basic(realm.getHost()));
        if (own.isPresent()) {
            return own;
        }
        return realm.getHost().equalsIgnoreCase(image.hostName()) ? auth.basic(image.registry()) : Optional.empty();
    }

    /** A body read whole, up to {@code limit} bytes: a larger one (by its Content-Length or as it streams) is {@code tooLarge}. */
    private static byte[] readLimited(ImageReference image, HttpResponse<InputStream> response, long limit,
                                      java.util.function.Supplier<TinyVolException> tooLarge) {
        try (InputStream in = response.body()) {
            if (response.headers().firstValueAsLong("Content-Length").orElse(-1) > limit) {
                throw tooLarge.get();
            }
            byte[] bytes = in.readNBytes((int) limit + 1);
            if (bytes.length > limit) {
                throw tooLarge.get();
            }
            return bytes;
        } catch (CodedIOException e) {
            throw e.failure();
        } catch (IOException e) {
            throw new TinyVolException(ErrorCode.REGISTRY_UNAVAILABLE, image.registry(), "reading an answer of registry "
                    + image.registry() + " broke off (" + describe(e) + ")");
        }
    }

    private TinyVolException unauthorized(ImageReference image, String challenge) {
        boolean haveCredentials = auth.basic(image.registry()).isPresent();
        return new TinyVolException(ErrorCode.UNAUTHORIZED, image.toString(), "registry " + image.registry()
                + " refused " + (haveCredentials ? "the credentials configured for it" : "anonymous access") + " to "
                + image.repository() + (haveCredentials ? "; check the user and password" : "; give credentials with "
                + "--registry-config (a docker config.json with an auths entry for " + image.registry() + ")"));
    }

    /** Throws for an answer that is not 2xx (its body unread and closed). */
    private static void requireOk(ImageReference image, HttpResponse<InputStream> response, String doing) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return;
        }
        close(response);
        if (status == 403) {
            throw new TinyVolException(ErrorCode.UNAUTHORIZED, image.toString(), doing + ": the registry refused it (HTTP 403)");
        }
        throw new TinyVolException(status >= 500 ? ErrorCode.REGISTRY_UNAVAILABLE : ErrorCode.IMAGE_NOT_FOUND,
                image.toString(), doing + ": the registry answered HTTP " + status);
    }

    /** Ends a response whose body is not read: error bodies are never read, so they need no limit. */
    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Closing a response we no longer read cannot fail in a way that matters.
        }
    }

    private static String describe(IOException e) {
        return e instanceof java.net.http.HttpTimeoutException ? "timed out"
                : e instanceof java.net.ConnectException ? "connection refused"
                : e.getMessage() != null ? e.getMessage() : "connection failed";
    }

    private void pause(int attempt) {
        long ms = Math.min(4000, 250L << (attempt - 2));
        try {
            Thread.sleep(Math.max(0, Math.min(ms, deadline.remainingNanos() / 1_000_000)));
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
                params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
            }
            return new Challenge(scheme, params);
        }
    }

    /** A token service's answer: {@code token} or (OAuth2) {@code access_token}; null if it holds neither. */
    static final class TokenResponse {
        static String token(byte[] json) {
            try {
                var node = RegistryJson.MAPPER.readTree(json);
                var token = node == null ? null : node.hasNonNull("token") ? node.get("token") : node.get("access_token");
                return token == null || !token.isTextual() || token.asText().isEmpty() ? null : token.asText();
            } catch (IOException e) {
                return null; // not JSON: no token
            }
        }
    }
}
