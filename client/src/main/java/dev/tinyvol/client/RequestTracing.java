package dev.tinyvol.client;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A trace per request, in W3C Trace Context: the client opens a {@code tinyvol submit} span (a child
 * of whatever span the scheduler has open), sends it as the request record's {@code traceparent}
 * header, and when the result comes back (its record carries the worker's span as
 * {@code traceparent}) closes the loop with a {@code tinyvol result} span. With no OpenTelemetry SDK
 * installed the spans are no-ops, and the header is still sent with a fresh trace id, so the
 * worker's log lines and result of one request share an id a person can grep for.
 */
public final class RequestTracing {

    /** The Kafka header, as W3C Trace Context names it. */
    public static final String HEADER = "traceparent";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;

    public RequestTracing(OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("dev.tinyvol.client");
    }

    /** Opens the span of sending {@code request}; the caller ends it when the broker has the record. */
    public Span startSubmit(Request request) {
        return tracer.spanBuilder("tinyvol submit").setSpanKind(SpanKind.PRODUCER).setParent(Context.current())
                .setAttribute("messaging.system", "kafka")
                .setAttribute("tinyvol.request_id", request.requestId())
                .setAttribute("tinyvol.node", request.node())
                .setAttribute("tinyvol.action", request.action().name())
                .setAttribute("tinyvol.volume", request.volume() == null ? "*" : request.volume())
                .startSpan();
    }

    /** The {@code traceparent} of {@code span}, or of a new trace when tracing is off (a no-op span). */
    public static String traceparent(Span span) {
        SpanContext c = span.getSpanContext();
        if (c.isValid()) {
            Map<String, String> carrier = new HashMap<>();
            W3CTraceContextPropagator.getInstance().inject(Context.current().with(span), carrier, Map::put);
            return carrier.get(HEADER);
        }
        return newTraceparent();
    }

    /** The current span's {@code traceparent}, or a new trace's: what a request sent outside a submit span carries. */
    public static String current() {
        return traceparent(Span.current());
    }

    /** Records that the result of a request this client sent arrived, as a child of the worker's span. */
    public void resultReceived(Result result, String traceparent) {
        Context parent = traceparent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(HEADER, traceparent), MAP);
        tracer.spanBuilder("tinyvol result").setSpanKind(SpanKind.CONSUMER).setParent(parent)
                .setAttribute("tinyvol.request_id", result.requestId())
                .setAttribute("tinyvol.status", result.status().name())
                .startSpan().end();
    }

    /** The trace id of a {@code traceparent} value, or null if it is not one. */
    public static String traceId(String traceparent) {
        if (traceparent == null) {
            return null;
        }
        List<String> parts = List.of(traceparent.split("-"));
        return parts.size() == 4 && parts.get(1).length() == 32 ? parts.get(1) : null;
    }

    private static String newTraceparent() {
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        RANDOM.nextBytes(trace);
        RANDOM.nextBytes(span);
        return "00-" + HexFormat.of().formatHex(trace) + "-" + HexFormat.of().formatHex(span) + "-01";
    }
}
