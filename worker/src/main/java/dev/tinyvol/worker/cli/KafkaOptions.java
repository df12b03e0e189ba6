package dev.tinyvol.worker.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster is and how to reach it, for the commands that talk to it: {@code --bootstrap},
 * and {@code --kafka-config FILE}, Kafka client properties (SASL, SSL, timeouts) as {@code kcat -F} and
 * Kafka's own tools' {@code --command-config} take them.
 */
final class KafkaOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (required unless "
            + "--kafka-config gives bootstrap.servers).")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client properties, e.g. "
            + "security.protocol=SASL_SSL, sasl.mechanism, sasl.jaas.config, ssl.truststore.location; --bootstrap and "
            + "--connect-timeout win over the same keys in it.")
    Path kafkaConfig;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for Kafka to answer before saying it cannot be reached (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    Map<String, Object> clientSettings() {
        Map<String, Object> settings = new HashMap<>();
        if (kafkaConfig != null) {
            Properties file = new Properties();
            try (Reader reader = Files.newBufferedReader(kafkaConfig)) {
                file.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(mixee.commandLine(), "--kafka-config: cannot read " + kafkaConfig
                        + ": " + (e instanceof IOException io ? dev.tinyvol.worker.errors.IoErrors.reasonOf(io) : e.getMessage()));
            }
            file.forEach((k, v) -> settings.put(k.toString(), v.toString()));
        }
        if (bootstrap != null) {
            settings.put("bootstrap.servers", bootstrap);
        }
        if (!settings.containsKey("bootstrap.servers")) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Missing required option: '--bootstrap=HOST:PORT' "
                    + "(or bootstrap.servers in a --kafka-config file)");
        }
        String ms = Long.toString(Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
        // max.block.ms bounds a producer's wait for metadata; default.api.timeout.ms a consumer's.
        settings.put("max.block.ms", ms);
        settings.put("default.api.timeout.ms", ms);
        return Map.copyOf(settings);
    }
}
