package dev.tinyvol.worker.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tinyvol.client.RequestTracing;
import dev.tinyvol.client.ResultWatcher;
import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.WorkerFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One trace from a scheduler's span to the result: the client's {@code tinyvol submit} span goes
 * out as the request's {@code traceparent}; the worker continues it ({@code tinyvol assemble}, with
 * {@code tinyvol pull} and {@code tinyvol link} as children), logs the request's lines with its
 * {@code traceId}, and sends {@code traceparent} on the result, which the client closes with a
 * {@code tinyvol result} span. The worker and the scheduler each have an SDK of their own, as two
 * processes would, exporting to one in-memory exporter.
 */
class TraceTest {

    @TempDir
    Path tmp;

    @Test
    void oneTraceLinksSubmitAssembleItsPullAndLinkStepsAndTheResult() throws Exception {
        InMemorySpanExporter exported = InMemorySpanExporter.create();
        OpenTelemetrySdk schedulerSdk = sdk("scheduler", exported);
        OpenTelemetrySdk workerSdk = sdk("tinyvol-worker", exported);
        LocalRegistry registry = LocalRegistry.shared();
        String image = registry.host() + "/traced/web:1";
        TestImages.push(new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS), ImageReference.parse(image),
                List.of(TestImages.layer(TestImages.Compression.GZIP, tar -> tar.dir("etc", 0755)
                        .file("etc/os-release", "ID=traced\n", 0644).file("srv/index.html", "<h1>traced</h1>\n", 0644))),
                "amd64");
        String node = "trace-" + UUID.randomUUID().toString().substring(0, 8);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        log.setContext(logging);
        log.start();
        logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(log);
        ch.qos.logback.classic.Logger ours = logging.getLogger("dev.tinyvol");
        ch.qos.logback.classic.Level level = ours.getLevel();
        ours.setLevel(ch.qos.logback.classic.Level.INFO); // as the worker runs (the test JVM logs warnings only)
        Map<String, Object> kafka = Map.of("bootstrap.servers", TestKafka.bootstrap());
        Result result;
        String traceId;
        String resultTraceparent;
        try (WorkerFixture worker = new WorkerFixture(TestKafka.bootstrap(), node, tmp.resolve("cas"), tmp.resolve("volumes"),
                Map.of(), Tracing.of(workerSdk));
             TinyVolClient client = TinyVolClient.connect(kafka, schedulerSdk);
             ResultWatcher results = new ResultWatcher(kafka, Topics.RESULTS, false)) {
            Request request = new Request(1, UUID.randomUUID().toString(), "rollout-7", Action.ASSEMBLE, node, "web-1", null,
                    null, RequestOptions.DEFAULTS, null, image);
            Span rollout = schedulerSdk.getTracer("scheduler").spanBuilder("scheduler: roll out web").startSpan();
            try (Scope scope = rollout.makeCurrent()) {
                result = client.submit(request, Duration.ofSeconds(90)).get(120, TimeUnit.SECONDS);
            } finally {
                rollout.end();
            }
            traceId = rollout.getSpanContext().getTraceId();
            String[] seen = new String[1];
            results.readReceived(Duration.ofSeconds(30), r -> {
                if (r.result().requestId().equals(request.requestId())) {
                    seen[0] = r.traceparent();
                }
            }, r -> r.requestId().equals(request.requestId()));
            resultTraceparent = seen[0];
            assertEquals(Status.SUCCEEDED, result.status(), result.toString());
            assertEquals(1, result.pulledLayers(), "the node pulled the image for this request");
        } finally {
            logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(log);
            ours.setLevel(level);
        }
        schedulerSdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        workerSdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);

        List<SpanData> trace = exported.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId))
                .sorted(Comparator.comparing(SpanData::getStartEpochNanos)).toList();
        System.out.println("trace " + traceId + ":");
        trace.forEach(s -> System.out.printf("  %-24s %-9s %-15s span %s parent %s %6.1f ms %s%n", s.getName(), s.getKind(),
                s.getResource().getAttribute(AttributeKey.stringKey("service.name")), s.getSpanId(), s.getParentSpanId(),
                (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6, s.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().startsWith("tinyvol.")).map(e -> e.getKey().getKey() + "=" + e.getValue())
                        .sorted().toList()));

        SpanData rolloutSpan = only(trace, "scheduler: roll out web");
        SpanData submit = only(trace, "tinyvol submit");
        SpanData assemble = only(trace, "tinyvol assemble");
        SpanData pull = only(trace, "tinyvol pull");
        SpanData link = only(trace, "tinyvol link");
        SpanData received = only(trace, "tinyvol result");
        assertEquals(rolloutSpan.getSpanId(), submit.getParentSpanId(), "submit is a child of the scheduler's span");
        assertEquals(submit.getSpanId(), assemble.getParentSpanId(), "the worker continues the request's traceparent");
        assertEquals(assemble.getSpanId(), pull.getParentSpanId(), "the pull is a step of the assembly");
        assertEquals(assemble.getSpanId(), link.getParentSpanId(), "the link step is a step of the assembly");
        assertEquals(assemble.getSpanId(), received.getParentSpanId(), "the result continues the worker's span");
        assertEquals("tinyvol-worker", assemble.getResource().getAttribute(AttributeKey.stringKey("service.name")));
        assertEquals("SUCCEEDED", assemble.getAttributes().get(AttributeKey.stringKey("tinyvol.status")));
        assertEquals("1", pull.getAttributes().get(AttributeKey.stringKey("tinyvol.pulled_layers")));
        assertEquals("BUILT", link.getAttributes().get(AttributeKey.stringKey("tinyvol.outcome")));
        assertNotNull(resultTraceparent, "the result record has a traceparent header");
        assertEquals(traceId, RequestTracing.traceId(resultTraceparent));
        assertTrue(resultTraceparent.contains(assemble.getSpanId()), resultTraceparent);

        List<ILoggingEvent> aboutIt = log.list.stream()
                .filter(e -> result.requestId().equals(e.getMDCPropertyMap().get("requestId"))).toList();
        assertFalse(aboutIt.isEmpty(), "the worker logged the request");
        aboutIt.forEach(e -> assertEquals(traceId, e.getMDCPropertyMap().get(Tracing.MDC_TRACE_ID),
                "every line about the request names its trace: " + e.getFormattedMessage()));
        aboutIt.forEach(e -> System.out.println("log: " + e.getFormattedMessage() + " " + e.getMDCPropertyMap()));
        schedulerSdk.close();
        workerSdk.close();
    }

    @Test
    void aRequestSentWithoutTracingStillCarriesATraceparentAndItsResultAndADeadLetterTheSameTrace() throws Exception {
        String node = "trace-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> kafka = Map.of("bootstrap.servers", TestKafka.bootstrap());
        try (WorkerFixture worker = new WorkerFixture(TestKafka.bootstrap(), node, tmp.resolve("cas"), tmp.resolve("volumes"),
                Map.of(), Tracing.create(node, null));
             ResultWatcher results = new ResultWatcher(kafka, Topics.RESULTS, false);
             dev.tinyvol.client.RequestSender sender = new dev.tinyvol.client.RequestSender(kafka)) {
            // No SDK on the sender's side: the header is a fresh trace, which the worker continues.
            Request list = new Request(1, UUID.randomUUID().toString(), null, Action.LIST, node, null, null, null,
                    RequestOptions.DEFAULTS, null, null);
            sender.sendAsync(Topics.requests(node), list, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                    .get(30, TimeUnit.SECONDS);
            String[] seen = new String[1];
            results.readReceived(Duration.ofSeconds(60), r -> {
                if (r.result().requestId().equals(list.requestId())) {
                    seen[0] = r.traceparent();
                }
            }, r -> r.requestId().equals(list.requestId()));
            assertNotNull(seen[0], "the LIST was answered with a traceparent");
            assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", RequestTracing.traceId(seen[0]));
            assertFalse(seen[0].contains("00f067aa0ba902b7"), "a span of the worker's own, not the sender's: " + seen[0]);

            // A traceparent that is not one is ignored: the request is answered, in a trace of the worker's own.
            Request garbled = new Request(1, UUID.randomUUID().toString(), null, Action.LIST, node, null, null, null,
                    RequestOptions.DEFAULTS, null, null);
            sender.sendAsync(Topics.requests(node), garbled, "00-not-a-trace-id-01").get(30, TimeUnit.SECONDS);
            String[] fresh = new String[1];
            Result[] answered = new Result[1];
            results.readReceived(Duration.ofSeconds(60), r -> {
                if (r.result().requestId().equals(garbled.requestId())) {
                    fresh[0] = r.traceparent();
                    answered[0] = r.result();
                }
            }, r -> r.requestId().equals(garbled.requestId()));
            assertNotNull(answered[0], "a request with a garbled traceparent is answered");
            assertEquals(Status.SUCCEEDED, answered[0].status());
            assertNotNull(RequestTracing.traceId(fresh[0]), "its result has a valid traceparent of a new trace: " + fresh[0]);

            // A record nobody can answer goes to the dead-letter topic, still in its trace.
            try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers",
                    TestKafka.bootstrap()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                var garbage = new org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>(Topics.requests(node),
                        "x".getBytes(), "not json".getBytes());
                garbage.headers().add("traceparent", "00-5bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01".getBytes());
                producer.send(garbage).get(30, TimeUnit.SECONDS);
            }
            try (var dlq = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers",
                    TestKafka.bootstrap(), "isolation.level", "read_committed"),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                var tp = new org.apache.kafka.common.TopicPartition(Topics.deadLetters(node), 0);
                dlq.assign(List.of(tp));
                dlq.seekToBeginning(List.of(tp));
                String dead = null;
                long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (dead == null && System.nanoTime() < until) {
                    for (var r : dlq.poll(Duration.ofMillis(200))) {
                        var h = r.headers().lastHeader("traceparent");
                        dead = h == null ? "(none)" : new String(h.value());
                    }
                }
                assertNotNull(dead, "the record was dead-lettered");
                assertEquals("5bf92f3577b34da6a3ce929d0e0e4737", RequestTracing.traceId(dead), "the dead letter is in the sender's trace");
            }
        }
    }

    @Test
    void withAnOtlpEndpointTheWorkerExportsItsSpansOverHttp() throws Exception {
        // An OTLP/HTTP receiver: what it is sent is recorded (the SDK's real exporter, over the network).
        java.util.concurrent.BlockingQueue<byte[]> posts = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.List<String> types = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            types.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
            posts.add(exchange.getRequestBody().readAllBytes());
            // Refused (as a collector without room would): the worker says so in its own log.
            exchange.sendResponseHeaders(400, -1);
            exchange.close();
        });
        receiver.start();
        String node = "trace-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> kafka = Map.of("bootstrap.servers", TestKafka.bootstrap());
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        log.setContext(logging);
        log.start();
        logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(log);
        try {
            try (WorkerFixture worker = new WorkerFixture(TestKafka.bootstrap(), node, tmp.resolve("cas"), tmp.resolve("volumes"),
                    Map.of("tracing.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces"));
                 WorkerFixture.Client client = new WorkerFixture.Client()) {
                Request list = new Request(1, UUID.randomUUID().toString(), null, Action.LIST, node, null, null, null,
                        RequestOptions.DEFAULTS, null, null);
                client.sender.sendAsync(Topics.requests(node), list, "00-" + traceId + "-b7ad6b7169203331-01").get(30, TimeUnit.SECONDS);
                assertEquals(Status.SUCCEEDED, client.await(list.requestId(), Duration.ofSeconds(60)).status());
            } // closing the worker flushes its exporter
            byte[] body = posts.poll(30, TimeUnit.SECONDS);
            assertNotNull(body, "the worker posted its spans to the OTLP endpoint");
            System.out.println("OTLP: " + types + ", " + body.length + " bytes");
            String text = new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(types.get(0).equals("POST application/x-protobuf"), types.toString());
            assertTrue(text.contains("tinyvol list") && text.contains("tinyvol-worker") && text.contains(node), "span name, "
                    + "service and node are in the export");
            assertTrue(text.contains(new String(java.util.HexFormat.of().parseHex(traceId), java.nio.charset.StandardCharsets.ISO_8859_1)),
                    "the export carries the request's trace id");
            List<ILoggingEvent> refused = log.list.stream().filter(e -> e.getLoggerName().startsWith("io.opentelemetry")).toList();
            System.out.println("export refused, logged: " + refused.stream().map(e -> e.getLevel() + " "
                    + e.getLoggerName() + " - " + e.getFormattedMessage().lines().findFirst().orElse("")).toList());
            assertFalse(refused.isEmpty(), "the refused export is in the worker's log (SLF4J), not raw on stderr");
        } finally {
            logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(log);
            receiver.stop(0);
        }
    }

    private static SpanData only(List<SpanData> trace, String name) {
        List<SpanData> named = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertEquals(1, named.size(), name + " in " + trace.stream().map(SpanData::getName).toList());
        return named.get(0);
    }

    private static OpenTelemetrySdk sdk(String service, InMemorySpanExporter exporter) {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }
}
