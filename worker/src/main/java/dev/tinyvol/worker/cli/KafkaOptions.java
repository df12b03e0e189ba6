package dev.tinyvol.worker.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bootstrap}: where the Kafka cluster is, for the commands that talk to it. */
final class KafkaOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    Map<String, Object> clientSettings() {
        return Map.of("bootstrap.servers", bootstrap);
    }
}
