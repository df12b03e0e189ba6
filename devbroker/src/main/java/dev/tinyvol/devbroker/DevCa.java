package dev.tinyvol.devbroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority made with the JDK's {@code keytool}: a CA key, a truststore
 * holding only its certificate, and server key stores it signs. Development and tests only; every
 * store has the same generated password.
 */
public final class DevCa {

    private final Path dir;
    private final String password;

    private DevCa(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** Makes (or reuses) the CA in {@code dir}: {@code ca.p12} (its key) and {@code truststore.p12} (its certificate). */
    public static DevCa create(Path dir, String name, String password) throws IOException {
        Files.createDirectories(dir);
        DevCa ca = new DevCa(dir, password);
        if (!Files.exists(ca.truststore())) {
            ca.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                    "-ext", "bc:c", "-validity", "3650", "-keystore", dir.resolve("ca.p12").toString());
            ca.keytool("-exportcert", "-rfc", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                    "-keystore", dir.resolve("ca.p12").toString());
            ca.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                    "-keystore", ca.truststore().toString());
        }
        return ca;
    }

    /** The PKCS12 truststore that trusts this CA and nothing else. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    public String password() {
        return password;
    }

    /**
     * A PKCS12 key store {@code <name>.p12} with a key and a certificate this CA signed for
     * {@code 127.0.0.1} and {@code localhost} (clients verify the host by default).
     */
    public Path issueServer(String name) throws IOException {
        return issue(name, "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
    }

    /**
     * A PKCS12 key store {@code <name>-client.p12} with a key and a certificate this CA signed for
     * {@code CN=<name>}: a client that authenticates by its certificate (mutual TLS).
     */
    public Path issueClient(String name) throws IOException {
        return issue(name + "-client", "CN=" + name, "EKU=clientAuth");
    }

    /** {@code <alias>.p12}: a new key, its certificate signed by this CA with {@code extension}, and the CA's. */
    private Path issue(String alias, String subject, String extension) throws IOException {
        Path store = dir.resolve(alias + ".p12");
        if (Files.exists(store)) {
            return store;
        }
        Path csr = dir.resolve(alias + ".csr");
        Path cert = dir.resolve(alias + ".pem");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
                "-validity", "3650", "-keystore", store.toString());
        keytool("-certreq", "-alias", alias, "-file", csr.toString(), "-keystore", store.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-infile", csr.toString(), "-outfile", cert.toString(),
                "-ext", extension, "-validity", "3650", "-keystore", dir.resolve("ca.p12").toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
                "-keystore", store.toString());
        keytool("-importcert", "-alias", alias, "-file", cert.toString(), "-keystore", store.toString());
        return store;
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool " + args[0] + " failed; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
