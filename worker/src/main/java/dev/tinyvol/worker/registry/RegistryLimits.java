package dev.tinyvol.worker.registry;

import java.time.Duration;

/**
 * What the node accepts from a registry, which is hostile input (DESIGN.md, "Content from
 * registries"): every body it reads has a limit, a layer is cut at the size its descriptor declares
 * and bounded in what it unpacks to, and a transfer that stalls or runs past the pull's deadline
 * ends. The worker's values come from its {@code registry.*} settings; the defaults are here once.
 *
 * @param manifestBytes the largest manifest or index read (containerd's limit: 4 MiB)
 * @param responseBytes the largest token body read
 * @param layerBytes    the most one layer may unpack to (its tar stream and its files' contents)
 * @param layerRatio    the most unpacked bytes per compressed byte, once a layer has unpacked {@link #RATIO_FLOOR}
 * @param layerEntries  the most tar entries in one layer
 * @param stallTimeout  the longest wait for the next bytes of a body, and for an answer's headers
 * @param pullDeadline  the longest one pull may take: every request, retry, pause and body of it
 */
public record RegistryLimits(long manifestBytes, long responseBytes, long layerBytes, int layerRatio, int layerEntries,
                             Duration stallTimeout, Duration pullDeadline) {

    public static final RegistryLimits DEFAULTS = new RegistryLimits(4L << 20, 64L << 10, 64L << 30, 100, 200_000,
            Duration.ofSeconds(30), Duration.ofMinutes(30));

    /** Unpacked bytes below which the ratio is not checked: small layers of zeros are no threat. */
    public static final long RATIO_FLOOR = 64L << 20;
    /** What one entry's headers (PAX records, GNU long names, sparse maps) may take before its content. */
    public static final int ENTRY_HEADER_BYTES = 1 << 20;
    /** The names (paths, link targets) one layer's operations may keep in memory. */
    public static final long LAYER_NAME_BYTES = 32L << 20;

    public RegistryLimits {
        if (manifestBytes <= 0 || manifestBytes >= Integer.MAX_VALUE || responseBytes <= 0 || responseBytes >= Integer.MAX_VALUE
                || layerBytes <= 0 || layerRatio <= 0 || layerEntries <= 0 || stallTimeout.isZero() || stallTimeout.isNegative()
                || pullDeadline.isZero() || pullDeadline.isNegative()) {
            throw new IllegalArgumentException("registry limits must be positive (bodies below 2 GiB): " + this);
        }
    }

    public RegistryLimits withStallTimeout(Duration stall) {
        return new RegistryLimits(manifestBytes, responseBytes, layerBytes, layerRatio, layerEntries, stall, pullDeadline);
    }

    public RegistryLimits withPullDeadline(Duration deadline) {
        return new RegistryLimits(manifestBytes, responseBytes, layerBytes, layerRatio, layerEntries, stallTimeout, deadline);
    }

    public RegistryLimits withLayerLimits(long bytes, int ratio, int entries) {
        return new RegistryLimits(manifestBytes, responseBytes, bytes, ratio, entries, stallTimeout, pullDeadline);
    }
}
