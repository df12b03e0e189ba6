package dev.tinyvol.worker.registry;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The registry package's one JSON mapper (thread-safe once configured; costly to make per call). */
final class RegistryJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private RegistryJson() {
    }
}
