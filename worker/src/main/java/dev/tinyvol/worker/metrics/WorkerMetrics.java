package dev.tinyvol.worker.metrics;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The worker's meters, all named {@code tinyvol.*} ({@code tinyvol_*} in Prometheus) and tagged with
 * the node: requests by action and status, request duration (histogram for p50/p99), files, dirs and
 * bytes, retries, dead letters, requests in flight, free space of the CAS and volumes filesystems,
 * consumer lag per partition, Kafka client metrics, and JVM and process meters. Results are counted
 * when they are committed, so the meters agree with what schedulers saw.
 */
public final class WorkerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
    private final Counter deadLetters;
    private final Counter retries;
    private final Counter filesLinked;
    private final Counter filesCopied;
    private final Counter filesCloned;
    private final Counter dirsCreated;
    private final Counter bytes;

    public WorkerMetrics(String node) {
        registry.config().commonTags("node", node);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        deadLetters = Counter.builder("tinyvol.dead.letters").description("records sent to the dead-letter topic").register(registry);
        retries = Counter.builder("tinyvol.retries").description("extra attempts of requests whose failure could pass").register(registry);
        filesLinked = Counter.builder("tinyvol.files.linked").description("files hard-linked into volumes").register(registry);
        filesCopied = Counter.builder("tinyvol.files.copied").description("files copied into volumes (copy fallback)").register(registry);
        filesCloned = Counter.builder("tinyvol.files.cloned").description("files cloned into volumes (copy-on-write reflinks)").register(registry);
        dirsCreated = Counter.builder("tinyvol.dirs.assembled").description("directories created in volumes (not \"created\": Prometheus reserves that suffix)").register(registry);
        bytes = Counter.builder("tinyvol.bytes").baseUnit("bytes").description("logical bytes of assembled files").register(registry);
        for (String trigger : List.of("request", "low_space", "schedule")) {
            collected(trigger, 0, 0); // at 0 from the start, so a dashboard shows "nothing reclaimed", not "no data"
        }
    }

    /** A pull that downloaded something, by registry host: layers, bytes and how long it took. */
    public void pulled(String registry, int layers, long bytes, long durationMs) {
        pullMeters(registry);
        pullLayers(registry).increment(layers);
        pullBytes(registry).increment(bytes);
        pullDuration(registry).record(Duration.ofMillis(durationMs));
    }

    /**
     * The pull meters of a registry this node will pull from (its default repository's), at 0 from
     * the start: a dashboard then shows "nothing pulled", not "no data".
     */
    public void pullMeters(String registry) {
        pullLayers(registry);
        pullBytes(registry);
        pullDuration(registry);
    }

    private Counter pullLayers(String registry) {
        return Counter.builder("tinyvol.pull.layers").description("image layers downloaded").tag("registry", registry)
                .register(this.registry);
    }

    private Counter pullBytes(String registry) {
        return Counter.builder("tinyvol.pull.bytes").baseUnit("bytes").description("image layer bytes downloaded (compressed)")
                .tag("registry", registry).register(this.registry);
    }

    private Timer pullDuration(String registry) {
        return Timer.builder("tinyvol.pull.duration").description("time to pull an image the node lacked").tag("registry", registry)
                .register(this.registry);
    }

    /** Counts a result as committed. */
    public void committed(Result result) {
        String action = result.action() == null ? "UNKNOWN" : result.action().name();
        Counter.builder("tinyvol.requests").description("requests answered, by action and status")
                .tag("action", action).tag("status", result.status().name()).register(registry).increment();
        if (result.status() == Status.SUCCEEDED || result.status() == Status.FAILED) {
            // Only work that was carried out: refusals take no time and would drag the percentiles down.
            Timer.builder("tinyvol.request.duration").description("time to carry out a request")
                    .tag("action", action).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry).record(Duration.ofMillis(result.durationMs()));
        }
        filesLinked.increment(result.filesLinked());
        filesCopied.increment(result.filesCopied());
        filesCloned.increment(result.filesCloned());
        dirsCreated.increment(result.dirsCreated());
        bytes.increment(result.bytes());
        if (result.attempts() > 1) {
            retries.increment(result.attempts() - 1);
        }
        if (result.gc() != null && result.status() == Status.SUCCEEDED) {
            collected("request", result.gc().bytesReclaimed(), result.durationMs());
        }
    }

    /** A gc that ran, by what started it: a GC request, low space, or the schedule. */
    public void collected(String trigger, long bytesReclaimed, long durationMs) {
        Counter.builder("tinyvol.cas.reclaimed").baseUnit("bytes").description("bytes gc reclaimed in the CAS")
                .tag("trigger", trigger).register(registry).increment(bytesReclaimed);
        Timer timer = Timer.builder("tinyvol.cas.gc.duration").description("time a gc took").tag("trigger", trigger)
                .register(registry);
        if (bytesReclaimed > 0 || durationMs > 0) {
            timer.record(Duration.ofMillis(durationMs));
        }
    }

    /** The CAS's distinct contents and the bytes they take, as last measured (NaN before that). */
    public void storeSize(Supplier<dev.tinyvol.worker.cas.StoreStats.Totals> size) {
        Gauge.builder("tinyvol.cas.bytes", () -> size.get() == null ? Double.NaN : size.get().storedBytes()).baseUnit("bytes")
                .description("bytes the CAS's blobs take on disk (each inode once)").register(registry);
        Gauge.builder("tinyvol.cas.blobs", () -> size.get() == null ? Double.NaN : size.get().blobs())
                .description("distinct contents in the CAS").register(registry);
    }

    /** The last fsck's outcome, from its record in the CAS (NaN if no fsck ran). */
    public void lastFsck(Supplier<java.util.Optional<dev.tinyvol.worker.cas.FsckRecord>> last) {
        Gauge.builder("tinyvol.cas.damaged.blobs", () -> last.get().map(r -> (double) r.unrepaired()).orElse(Double.NaN))
                .description("blob instances the last fsck found damaged and could not repair").register(registry);
        Gauge.builder("tinyvol.cas.fsck.last.run", () -> last.get().map(r -> r.finishedAt().getEpochSecond() * 1.0).orElse(Double.NaN))
                .baseUnit("seconds").description("when the last fsck finished (Unix time)").register(registry);
    }

    public void deadLettered() {
        deadLetters.increment();
    }

    public void damagedVolumes(Supplier<Number> count) {
        Gauge.builder("tinyvol.volumes.damaged", count).description("volumes found not whole after an unclean stop").register(registry);
    }

    /** Volumes by protection (read-only, clone, copy, detect). */
    public void protection(Supplier<Map<String, Long>> counts, List<String> kinds) {
        for (String kind : kinds) {
            Gauge.builder("tinyvol.volumes", () -> counts.get().getOrDefault(kind, 0L)).tag("protection", kind)
                    .description("volumes by what keeps their writes from the store").register(registry);
        }
    }

    public void inFlight(Supplier<Number> requests) {
        Gauge.builder("tinyvol.requests.in.flight", requests).description("requests read and not yet answered").register(registry);
    }

    /** Free bytes of the filesystem holding {@code dir}, tagged {@code fs=name}. */
    public void freeSpace(String name, Path dir) {
        Gauge.builder("tinyvol.fs.free", dir, d -> {
            try {
                return Files.getFileStore(d).getUsableSpace();
            } catch (IOException e) {
                return Double.NaN;
            }
        }).baseUnit("bytes").tag("fs", name).description("usable bytes on the filesystem").register(registry);
        Gauge.builder("tinyvol.fs.size", dir, d -> {
            try {
                return Files.getFileStore(d).getTotalSpace();
            } catch (IOException e) {
                return Double.NaN;
            }
        }).baseUnit("bytes").tag("fs", name).description("size of the filesystem").register(registry);
    }

    /** The consumer's lag on one partition, as the polling thread last saw it. */
    public void lag(String topic, int partition, long records) {
        lag.computeIfAbsent(topic + "-" + partition, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("tinyvol.consumer.lag", value, AtomicLong::get).tag("topic", topic)
                    .tag("partition", String.valueOf(partition)).description("records behind the end of the partition")
                    .register(registry);
            return value;
        }).set(records);
    }

    /** Binds the Kafka consumer's own metrics; close the result with the consumer. */
    public AutoCloseable bind(Consumer<?, ?> consumer) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(consumer);
        metrics.bindTo(registry);
        return metrics::close;
    }

    /** Binds a Kafka producer's own metrics; close the result with the producer. */
    public AutoCloseable bind(Producer<?, ?> producer) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(registry);
        return metrics::close;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
