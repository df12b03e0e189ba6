package dev.tinyvol.worker.cli;

import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bootstrap}: where the Kafka cluster is, for the commands that talk to it. */
final class KafkaOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for Kafka to answer before saying it cannot be reached (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    Map<String, Object> clientSettings() {
        String ms = Long.toString(Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
        // max.block.ms bounds a producer's wait for metadata; default.api.timeout.ms a consumer's.
        return Map.of("bootstrap.servers", bootstrap, "max.block.ms", ms, "default.api.timeout.ms", ms);
    }
}
