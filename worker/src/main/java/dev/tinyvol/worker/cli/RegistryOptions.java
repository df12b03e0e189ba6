package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistryLimits;
import dev.tinyvol.worker.registry.RegistrySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** How to reach registries, for the commands that pull or push. */
final class RegistryOptions {

    @Option(names = "--registry-config", paramLabel = "FILE", description = "A docker-style config.json whose auths give credentials per registry.")
    Path registryConfig;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "CA certificates to trust besides the JDK's (a private registry's CA).")
    Path caFile;

    @Option(names = "--insecure", paramLabel = "HOST[:PORT]", split = ",", description = "Registries to reach over plain HTTP (loopback ones always are).")
    List<String> insecure = List.of();

    @Option(names = "--stall-timeout", paramLabel = "DURATION", description = "Give up "
            + "a transfer when the registry sends nothing for this long (default: 30s; the worker's registry.stall.timeout).")
    Duration stallTimeout = RegistryLimits.DEFAULTS.stallTimeout();

    @Option(names = "--deadline", paramLabel = "DURATION", description = "The longest "
            + "a pull may take, every request and retry of it (default: 30m; the worker's registry.pull.deadline).")
    Duration deadline = RegistryLimits.DEFAULTS.pullDeadline();

    /** IMAGE as given on the command line: a bad one is a usage error naming what is wrong. */
    static dev.tinyvol.worker.registry.ImageReference image(picocli.CommandLine.Model.CommandSpec spec, String text) {
        try {
            return dev.tinyvol.worker.registry.ImageReference.parse(text);
        } catch (dev.tinyvol.worker.errors.TinyVolException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    RegistryClient client() {
        RegistryAuth auth = registryConfig == null ? RegistryAuth.ANONYMOUS : RegistryAuth.fromDockerConfig(registryConfig);
        RegistryLimits limits = RegistryLimits.DEFAULTS.withStallTimeout(stallTimeout).withPullDeadline(deadline);
        return new RegistryClient(new RegistrySettings(Set.copyOf(insecure), caFile, Duration.ofSeconds(10), Duration.ofMinutes(5),
                limits), auth);
    }
}
