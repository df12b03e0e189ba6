package dev.tinyvol.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.registry.RegistryLimits;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The registry limits come from the settings table: defaults, sizes with units, and bad values named by key. */
class RegistryLimitsConfigTest {

    @Test
    void defaultsAreRegistryLimitsDefaultsAndEveryLimitCanBeSet() {
        assertEquals(RegistryLimits.DEFAULTS, WorkerConfig.from(WorkerConfigTest.minimal(), Map.of()).registry().limits());
        Properties p = WorkerConfigTest.minimal();
        p.setProperty("registry.manifest.max.size", "1MiB");
        p.setProperty("registry.response.max.size", "16KiB");
        p.setProperty("registry.layer.max.size", "2GiB");
        p.setProperty("registry.layer.max.ratio", "50");
        p.setProperty("registry.layer.max.entries", "1000");
        p.setProperty("registry.stall.timeout", "5s");
        p.setProperty("registry.pull.deadline", "10m");
        assertEquals(new RegistryLimits(1 << 20, 16 << 10, 2L << 30, 50, 1000, Duration.ofSeconds(5), Duration.ofMinutes(10)),
                WorkerConfig.from(p, Map.of()).registry().limits());
    }

    @Test
    void aShareOrAZeroIsRefusedNamingTheKey() {
        Properties share = WorkerConfigTest.minimal();
        share.setProperty("registry.manifest.max.size", "5%");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> WorkerConfig.from(share, Map.of()));
        assertEquals("registry.manifest.max.size", e.key());
        Properties zero = WorkerConfigTest.minimal();
        zero.setProperty("registry.stall.timeout", "0s");
        e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> WorkerConfig.from(zero, Map.of()));
        assertEquals("registry.stall.timeout", e.key());
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }
}
