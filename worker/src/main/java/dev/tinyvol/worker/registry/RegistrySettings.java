package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach registries: which hosts may use plain HTTP (loopback always, as Docker does; others
 * only when named insecure), an extra CA bundle for private registries, time-outs (the request
 * time-out bounds the wait for an upload's answer; reads are bounded by the limits' stall timeout),
 * and what the node accepts from a registry ({@link RegistryLimits}).
 *
 * @param caBundle a PEM file of CA certificates trusted besides the JDK's, or null
 */
public record RegistrySettings(Set<String> insecureHosts, Path caBundle, Duration connectTimeout, Duration requestTimeout,
                               RegistryLimits limits) {

    public static final RegistrySettings DEFAULTS = new RegistrySettings(Set.of(), null, Duration.ofSeconds(10), Duration.ofMinutes(5));

    public RegistrySettings {
        insecureHosts = Set.copyOf(insecureHosts);
    }

    /** With the default limits ({@link RegistryLimits#DEFAULTS}). */
    public RegistrySettings(Set<String> insecureHosts, Path caBundle, Duration connectTimeout, Duration requestTimeout) {
        this(insecureHosts, caBundle, connectTimeout, requestTimeout, RegistryLimits.DEFAULTS);
    }

    public RegistrySettings withLimits(RegistryLimits other) {
        return new RegistrySettings(insecureHosts, caBundle, connectTimeout, requestTimeout, other);
    }

    /** This JVM's platform in OCI words: linux/amd64, linux/arm64. */
    public static String currentPlatform() {
        String arch = System.getProperty("os.arch");
        return "linux/" + switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }

    /**
     * Whether plain HTTP is allowed for this registry: loopback and insecure hosts (Docker's rule).
     * Even then HTTPS is tried first; only a registry that does not speak TLS is reached over HTTP.
     */
    boolean mayUseHttp(String registry, String hostName) {
        return insecureHosts.contains(registry) || insecureHosts.contains(hostName) || isLoopback(hostName);
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name: not resolved here, so DNS cannot turn TLS off
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The JDK's trust store plus the CA bundle, or null for the JDK's alone. */
    SSLContext sslContext() {
        if (caBundle == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, (X509Certificate) cert);
            }
            if (n == 0) {
                throw new TinyVolException(ErrorCode.INVALID_PATH, caBundle.toString(), "the CA bundle " + caBundle
                        + " holds no PEM certificate");
            }
            // Also trust what the JDK trusts: a bundle adds a private CA, it does not replace the public ones.
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            TrustManagerFactory extra = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            extra.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {new CombinedTrust(jdk, extra)}, null);
            return context;
        } catch (IOException e) {
            throw dev.tinyvol.worker.errors.IoErrors.classify(e, caBundle.toString(), "reading the CA bundle");
        } catch (GeneralSecurityException e) {
            throw new TinyVolException(ErrorCode.INVALID_PATH, caBundle.toString(), "the CA bundle " + caBundle
                    + " cannot be used: " + e.getMessage());
        }
    }
}
