package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mirrors per registry: pull-through caches asked first, the upstream last. Whatever a mirror
 * serves is checked as the upstream's would be (every blob against its digest, a manifest named by
 * digest against that digest), so a mirror can be stale or missing things, never wrong unnoticed.
 */
public record Mirrors(Map<String, List<String>> byRegistry) {

    public static final Mirrors NONE = new Mirrors(Map.of());

    public Mirrors {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        byRegistry.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        byRegistry = Map.copyOf(copy);
    }

    /** {@code upstream=mirror1,mirror2;other=mirror3}, as the {@code registry.mirrors} setting says it. */
    public static Mirrors parse(String text) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return NONE;
        }
        for (String rule : text.split(";")) {
            if (rule.isBlank()) {
                continue;
            }
            int eq = rule.indexOf('=');
            if (eq <= 0 || eq == rule.length() - 1) {
                throw new TinyVolException(ErrorCode.INVALID_IMAGE_REFERENCE, rule, "mirror rule \"" + rule.strip()
                        + "\" is not UPSTREAM=MIRROR[,MIRROR…], e.g. registry.example.com=cache.local:5000");
            }
            List<String> mirrors = new ArrayList<>();
            for (String m : rule.substring(eq + 1).split(",")) {
                if (!m.isBlank()) {
                    mirrors.add(m.strip().toLowerCase(java.util.Locale.ROOT));
                }
            }
            map.computeIfAbsent(rule.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>()).addAll(mirrors);
        }
        return new Mirrors(map);
    }

    /** Where to ask for {@code image}, in order: its mirrors, then the registry it names. */
    List<ImageReference> sources(ImageReference image) {
        List<ImageReference> sources = new ArrayList<>();
        for (String mirror : byRegistry.getOrDefault(image.registry(), List.of())) {
            sources.add(new ImageReference(mirror, image.repository(), image.tag(), image.digest()));
        }
        sources.add(image);
        return sources;
    }
}
