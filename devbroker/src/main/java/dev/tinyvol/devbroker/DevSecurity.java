package dev.tinyvol.devbroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a secured dev broker needs: a TLS listener for clients ({@code SASL_SSL}, a certificate from a
 * {@link DevCa}), SCRAM-SHA-512 users created at format time, and the KRaft {@code StandardAuthorizer}
 * with nobody allowed anything without an ACL. {@code admin} is the one super user (the broker talks
 * to itself as it); the controller listener is {@code SASL_PLAINTEXT}/PLAIN on loopback, because KRaft
 * controllers cannot check SCRAM (its credentials live in the metadata they serve).
 *
 * <p>A second client listener, {@code SSL} with {@code ssl.client.auth=required}, authenticates by
 * certificate instead (mutual TLS): a certificate for {@code CN=node-a} is principal {@code User:node-a}
 * ({@code ssl.principal.mapping.rules}), so the same ACLs serve both ways of logging in.
 *
 * <p>Passwords are generated once and kept in {@code security.properties} beside the broker's data,
 * and {@link #clientConfig} writes a client properties file per user, usable as {@code --kafka-config}
 * ({@link #mutualTlsConfig} for the certificate way).
 */
public final class DevSecurity {

    public static final String ADMIN = "admin";
    private static final String CONTROLLER = "controller";

    private final Path dir;
    private final Map<String, String> passwords;
    private final DevCa ca;
    private final int mtlsPort;

    private DevSecurity(Path dir, Map<String, String> passwords, DevCa ca, int mtlsPort) {
        this.dir = dir;
        this.passwords = passwords;
        this.ca = ca;
        this.mtlsPort = mtlsPort;
    }

    /** Loads the users of {@code dir}, or creates them ({@code admin} and {@code users}) with a CA. */
    static DevSecurity prepare(Path dir, List<String> users) throws IOException {
        Properties saved = SavedProperties.loadOrCreate(dir.resolve("security.properties"),
                "generated credentials of this dev broker (development and tests only)", p -> {
                    p.setProperty("store.password", secret());
                    p.setProperty("mtls.port", String.valueOf(LocalKafka.freePort()));
                    p.setProperty("user." + CONTROLLER, secret());
                    p.setProperty("user." + ADMIN, secret());
                    for (String user : users) {
                        p.setProperty("user." + user, secret());
                    }
                });
        Map<String, String> passwords = new LinkedHashMap<>();
        saved.stringPropertyNames().stream().filter(k -> k.startsWith("user.")).sorted()
                .forEach(k -> passwords.put(k.substring("user.".length()), saved.getProperty(k)));
        DevCa ca = DevCa.create(dir.resolve("tls"), "TinyVol dev CA", saved.getProperty("store.password"));
        ca.issueServer("broker");
        for (String user : passwords.keySet()) {
            if (!user.equals(CONTROLLER)) {
                ca.issueClient(user);
            }
        }
        return new DevSecurity(dir, passwords, ca, Integer.parseInt(saved.getProperty("mtls.port")));
    }

    /** True if {@code dir} holds a secured broker's credentials. */
    static boolean present(Path dir) {
        return Files.exists(dir.resolve("security.properties"));
    }

    /** The broker's settings for a SASL_SSL client listener and a PLAIN controller listener. */
    List<String> brokerConfig(int port, int controllerPort) {
        String store = ca.password();
        return List.of(
                "listeners=SASL_SSL://127.0.0.1:" + port + ",SSL://127.0.0.1:" + mtlsPort + ",CONTROLLER://127.0.0.1:"
                        + controllerPort,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + port + ",SSL://127.0.0.1:" + mtlsPort,
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:SASL_PLAINTEXT",
                // Mutual TLS on the SSL listener: the certificate's CN is the principal (CN=node-a is User:node-a).
                "listener.name.ssl.ssl.client.auth=required",
                "ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT",
                "inter.broker.listener.name=SASL_SSL",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + scramJaas(ADMIN),
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                        + "required username=\"" + CONTROLLER + "\" password=\"" + passwords.get(CONTROLLER) + "\" user_"
                        + CONTROLLER + "=\"" + passwords.get(CONTROLLER) + "\";",
                "ssl.keystore.location=" + dir.resolve("tls/broker.p12"),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.password=" + store,
                "ssl.key.password=" + store,
                // The broker is its own inter-broker client, and checks at start that it trusts itself.
                "ssl.truststore.location=" + ca.truststore(),
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.password=" + store,
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:" + ADMIN + ";User:" + CONTROLLER,
                "allow.everyone.if.no.acl.found=false");
    }

    /** {@code --add-scram} arguments of the storage format: every user but the controller's PLAIN one. */
    List<String> formatArguments() {
        List<String> args = new ArrayList<>();
        passwords.forEach((user, password) -> {
            if (!user.equals(CONTROLLER)) {
                args.add("--add-scram");
                args.add("SCRAM-SHA-512=[name=" + user + ",password=" + password + "]");
            }
        });
        return args;
    }

    /** The users with SCRAM credentials (admin first). */
    public List<String> users() {
        return passwords.keySet().stream().filter(u -> !u.equals(CONTROLLER)).toList();
    }

    /**
     * Writes {@code clients/<user>.properties}: bootstrap, SASL_SSL, SCRAM-SHA-512 with the user's
     * password, and the dev CA's truststore. Returns its path.
     */
    Path clientConfig(String user, String bootstrap) throws IOException {
        String password = passwords.get(user);
        if (password == null || user.equals(CONTROLLER)) {
            throw new IllegalArgumentException("no SCRAM user " + user + " on this broker; it has " + users());
        }
        Path file = dir.resolve("clients").resolve(user + ".properties");
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n",
                "# " + user + "'s client settings for the dev broker (tinyvol --kafka-config, kafka-*.sh --command-config)",
                "bootstrap.servers=" + bootstrap,
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=" + scramJaas(user),
                "ssl.truststore.location=" + ca.truststore(),
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.password=" + ca.password(),
                ""));
        return file;
    }

    /**
     * Writes {@code clients/<user>-mtls.properties}: the mutual-TLS listener, the user's client
     * certificate ({@code CN=<user>}) and the dev CA's truststore. Returns its path.
     */
    Path mutualTlsConfig(String user) throws IOException {
        if (!passwords.containsKey(user) || user.equals(CONTROLLER)) {
            throw new IllegalArgumentException("no user " + user + " on this broker; it has " + users());
        }
        Path file = dir.resolve("clients").resolve(user + "-mtls.properties");
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n",
                "# " + user + "'s client settings for the dev broker's mutual-TLS listener (principal User:" + user + ")",
                "bootstrap.servers=127.0.0.1:" + mtlsPort,
                "security.protocol=SSL",
                "ssl.keystore.location=" + dir.resolve("tls").resolve(user + "-client.p12"),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.password=" + ca.password(),
                "ssl.key.password=" + ca.password(),
                "ssl.truststore.location=" + ca.truststore(),
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.password=" + ca.password(),
                ""));
        return file;
    }

    private String scramJaas(String user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + passwords.get(user) + "\";";
    }

    private static String secret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
