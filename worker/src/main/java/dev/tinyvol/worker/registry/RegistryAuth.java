package dev.tinyvol.worker.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials per registry host, from a docker-style {@code config.json} ({@code auths}: each
 * {@code auth} is base64 of {@code user:password}, or {@code username} and {@code password}).
 * Credential helpers are not run: a node agent does not exec other programs for secrets.
 */
public final class RegistryAuth {

    public static final RegistryAuth ANONYMOUS = new RegistryAuth(Map.of());

    /** base64(user:password) by registry host[:port]. */
    private final Map<String, String> basic;

    private RegistryAuth(Map<String, String> basic) {
        this.basic = Map.copyOf(basic);
    }

    public static RegistryAuth of(String registry, String user, String password) {
        return new RegistryAuth(Map.of(registry, Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    public static RegistryAuth fromDockerConfig(Path file) {
        JsonNode root;
        try {
            root = RegistryJson.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new TinyVolException(ErrorCode.INVALID_PATH, file.toString(), "no registry config at " + file);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new TinyVolException(ErrorCode.INVALID_PATH, file.toString(), "the registry config " + file
                    + " is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading the registry config");
        }
        Map<String, String> basic = new HashMap<>();
        JsonNode auths = root.path("auths");
        auths.fieldNames().forEachRemaining(host -> {
            JsonNode entry = auths.get(host);
            String key = host.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
            if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
                basic.put(key, entry.get("auth").asText());
            } else if (entry.hasNonNull("username")) {
                basic.put(key, Base64.getEncoder().encodeToString((entry.get("username").asText() + ":"
                        + entry.path("password").asText()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        });
        return new RegistryAuth(basic);
    }

    Optional<String> basic(String registry) {
        return Optional.ofNullable(basic.get(registry));
    }
}
