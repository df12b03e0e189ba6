package dev.tinyvol.worker.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.MDC;

/**
 * The worker's traces: Micrometer Tracing over the OpenTelemetry SDK, W3C Trace Context on the
 * wire. A request continues the trace of its record's {@code traceparent} header (a new trace if it
 * has none); its pull and its link step are child spans; its result record carries the request
 * span's {@code traceparent}. While a span is open on a thread, {@code traceId} is in the MDC, so
 * every log line about the request names its trace. Spans are exported over OTLP/HTTP when
 * {@code tracing.otlp.endpoint} is set; without it they are made (the ids still travel and reach the
 * log) and dropped.
 */
public final class Tracing implements AutoCloseable {

    /** The MDC key of the trace id. */
    public static final String MDC_TRACE_ID = "traceId";

    private final Tracer tracer;
    private final Propagator propagator;
    private final AutoCloseable sdk;

    private Tracing(Tracer tracer, Propagator propagator, AutoCloseable sdk) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.sdk = sdk;
    }

    /** No spans and no propagation (unit tests of parts that need a Tracing). */
    public static Tracing none() {
        return new Tracing(Tracer.NOOP, Propagator.NOOP, null);
    }

    /**
     * The worker's own SDK: spans of node {@code node}, exported over OTLP/HTTP to {@code otlpEndpoint}
     * (e.g. {@code http://collector:4318/v1/traces}) when it is not null.
     */
    public static Tracing create(String node, String otlpEndpoint) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "tinyvol-worker", AttributeKey.stringKey("tinyvol.node"), node)));
        // Parent-based: a request whose scheduler sampled it is traced, one it did not is not.
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder().setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()));
        if (otlpEndpoint != null) {
            logThroughSlf4j();
            provider.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(otlpEndpoint)
                    .build()).build());
        } else {
            // A provider without processors hands out a no-op tracer, whose spans have no ids of their own:
            // this one keeps real spans (their ids reach the log and the result) and drops them when they end.
            provider.addSpanProcessor(new DroppingSpanProcessor());
        }
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider.build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        return over(sdk, sdk);
    }

    /**
     * The SDK reports export failures through java.util.logging, which would print them raw on stderr
     * beside the worker's own lines; they go to SLF4J (Logback's format, level and appenders) instead.
     */
    private static void logThroughSlf4j() {
        java.util.logging.Logger otel = java.util.logging.Logger.getLogger("io.opentelemetry");
        if (java.util.Arrays.stream(otel.getHandlers()).noneMatch(h -> h instanceof org.slf4j.bridge.SLF4JBridgeHandler)) {
            otel.setUseParentHandlers(false);
            otel.addHandler(new org.slf4j.bridge.SLF4JBridgeHandler());
        }
    }

    /** Over an OpenTelemetry the caller owns (tests with an in-memory exporter). */
    public static Tracing of(OpenTelemetry telemetry) {
        return over(telemetry, null);
    }

    private static Tracing over(OpenTelemetry telemetry, AutoCloseable owned) {
        io.opentelemetry.api.trace.Tracer otel = telemetry.getTracer("dev.tinyvol.worker");
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        Tracer tracer = new OtelTracer(otel, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
        return new Tracing(tracer, new OtelPropagator(telemetry.getPropagators(), otel), owned);
    }

    /** A request's span, continuing the trace in {@code headers}' {@code traceparent} (header name → value). */
    public Span startRequest(Function<String, String> headers) {
        return propagator.extract(headers, Function::apply).kind(Span.Kind.CONSUMER).name("tinyvol request").start();
    }

    /** A child of {@code parent} (of the current span when null), started. */
    public Span startChild(Span parent, String name) {
        Span p = parent != null ? parent : tracer.currentSpan();
        return (p == null ? tracer.nextSpan() : tracer.nextSpan(p)).name(name).start();
    }

    /** The span open on this thread, or null. */
    public Span current() {
        return tracer.currentSpan();
    }

    /** The W3C {@code traceparent} of {@code span}, or null when there is none (no tracing). */
    public String traceparent(Span span) {
        Map<String, String> carrier = new HashMap<>();
        propagator.inject(span.context(), carrier, Map::put);
        return carrier.get(dev.tinyvol.client.RequestTracing.HEADER);
    }

    /** Makes {@code span} current on this thread, with its trace id in the MDC, until closed. */
    public Scope open(Span span) {
        Tracer.SpanInScope inScope = tracer.withSpan(span);
        Scope logged = logAs(span.context().traceId());
        return () -> {
            inScope.close();
            logged.close();
        };
    }

    /**
     * Puts the trace id of {@code traceparent} in this thread's MDC until closed, for lines about a
     * record logged outside its span (the dead-letter line, on the polling thread).
     */
    public static Scope logAsTraceOf(String traceparent) {
        return logAs(dev.tinyvol.client.RequestTracing.traceId(traceparent));
    }

    private static Scope logAs(String traceId) {
        if (traceId == null || traceId.isEmpty()) {
            return () -> { };
        }
        String before = MDC.get(MDC_TRACE_ID);
        MDC.put(MDC_TRACE_ID, traceId);
        return () -> {
            if (before == null) {
                MDC.remove(MDC_TRACE_ID);
            } else {
                MDC.put(MDC_TRACE_ID, before);
            }
        };
    }

    /** Keeps nothing: spans are made for their ids and dropped. */
    private static final class DroppingSpanProcessor implements io.opentelemetry.sdk.trace.SpanProcessor {
        @Override
        public void onStart(io.opentelemetry.context.Context parent, io.opentelemetry.sdk.trace.ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return false;
        }
    }

    /** An open span's scope; closing it never throws. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Flushes and stops the exporter (spans still queued are sent). */
    @Override
    public void close() {
        if (sdk != null) {
            try {
                sdk.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Tracing.class).warn("stopping the span exporter: {}", e.getMessage());
            }
        }
    }
}
