package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry as fleets run them: TLS with a private CA, and credentials (htpasswd, so the basic
 * challenge). The right CA and credentials pull; without the CA the error says to give it, and it is
 * not retried; no or wrong credentials are UNAUTHORIZED, naming what to give.
 */
class SecuredRegistryTest {

    static LocalRegistry registry;
    static ImageReference image;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.startSecured();
        image = ImageReference.parse(registry.host() + "/private/app:1");
        RegistryClient admin = client(registry.caFile(), RegistryAuth.of(registry.host(), LocalRegistry.USER, LocalRegistry.PASSWORD));
        TestImages.push(admin, image, List.of(TestImages.layer(Compression.GZIP, tar -> tar.file("secret", "only with a key\n", 0600))),
                "amd64");
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static RegistryClient client(Path ca, RegistryAuth auth) {
        return new RegistryClient(new RegistrySettings(Set.of(), ca, RegistrySettings.DEFAULTS.connectTimeout(),
                RegistrySettings.DEFAULTS.requestTimeout()), auth);
    }

    private PullReport pull(RegistryClient client) {
        return new ImagePuller(Cas.create(tmp.resolve("cas")), client, 1).pull(image, "app", "linux/amd64", Progress.NONE);
    }

    @Test
    void theRightCaAndCredentialsPullFromADockerConfig() throws Exception {
        Path config = Files.writeString(tmp.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString((LocalRegistry.USER + ":" + LocalRegistry.PASSWORD).getBytes()) + "\"}}}");
        CliTest.Run run = CliTest.tinyvol("cas", "pull", image.toString(), "--cas", tmp.resolve("cas"), "--ref", "app",
                "--registry-config", config, "--ca-file", registry.caFile());
        assertEquals(0, run.exit(), run.err());
        assertTrue(new ManifestStore(Cas.open(tmp.resolve("cas"))).load("app").entries().containsKey("secret"));
    }

    @Test
    void withoutTheCaTheCertificateIsUntrustedAtOnce() {
        TinyVolException e = assertThrows(TinyVolException.class, () -> pull(client(null,
                RegistryAuth.of(registry.host(), LocalRegistry.USER, LocalRegistry.PASSWORD))));
        assertEquals(ErrorCode.REGISTRY_UNTRUSTED, e.code(), e.getMessage());
        assertFalse(e.code().isTransient());
        assertTrue(e.getMessage().contains("--ca-file"), e.getMessage());
    }

    @Test
    void wrongOrMissingCredentialsAreUnauthorized() {
        TinyVolException wrong = assertThrows(TinyVolException.class, () -> pull(client(registry.caFile(),
                RegistryAuth.of(registry.host(), LocalRegistry.USER, "not-the-password"))));
        assertEquals(ErrorCode.UNAUTHORIZED, wrong.code(), wrong.getMessage());
        assertTrue(wrong.getMessage().contains("check the user and password"), wrong.getMessage());
        TinyVolException none = assertThrows(TinyVolException.class, () -> pull(client(registry.caFile(), RegistryAuth.ANONYMOUS)));
        assertEquals(ErrorCode.UNAUTHORIZED, none.code(), none.getMessage());
        assertTrue(none.getMessage().contains("--registry-config"), none.getMessage());
        assertFalse(Files.exists(tmp.resolve("cas/refs/app.json")));
    }
}
