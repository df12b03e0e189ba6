package dev.tinyvol.worker.kafka;

import dev.tinyvol.client.RequestTracing;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.node.Outcome;
import dev.tinyvol.worker.node.ResultBuilder;
import dev.tinyvol.worker.tracing.Tracing;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a finished slot becomes on the wire: its result on the results topic (key
 * {@code <node>/<volume>}), or the record as received on the dead-letter topic with headers saying
 * why and where it came from.
 */
final class OutgoingRecords {

    /** A slot's outcome and the record that publishes it. */
    record Outgoing(Outcome outcome, ProducerRecord<byte[], byte[]> record) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(OutgoingRecords.class);

    private final WorkerConfig config;
    private final Clock clock;

    OutgoingRecords(WorkerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    Outgoing of(Slot slot) {
        Outcome outcome = outcomeOf(slot);
        if (outcome instanceof Outcome.Answer answer) {
            Result result = answer.result();
            List<org.apache.kafka.common.header.Header> headers = new java.util.ArrayList<>(List.of(header("requestId", result.requestId())));
            if (slot.traceparent != null) {
                headers.add(header(RequestTracing.HEADER, slot.traceparent)); // the request's span: the result is in its trace
            }
            return new Outgoing(outcome, new ProducerRecord<>(config.resultsTopic(), null,
                    result.key().getBytes(StandardCharsets.UTF_8), ResultCodec.encode(result), headers));
        }
        ConsumerRecord<byte[], byte[]> r = slot.record;
        String reason = ((Outcome.DeadLetter) outcome).reason();
        try (Tracing.Scope logged = Tracing.logAsTraceOf(slot.traceparent)) {
            LOG.warn("dead-lettered {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
        }
        List<org.apache.kafka.common.header.Header> headers = new java.util.ArrayList<>(List.of(
                header("tinyvol.dlq.reason", reason),
                header("tinyvol.dlq.topic", r.topic()),
                header("tinyvol.dlq.partition", String.valueOf(r.partition())),
                header("tinyvol.dlq.offset", String.valueOf(r.offset())),
                header("tinyvol.dlq.node", config.node()),
                header("tinyvol.dlq.time", clock.instant().toString())));
        if (slot.traceparent != null) {
            headers.add(header(RequestTracing.HEADER, slot.traceparent));
        }
        return new Outgoing(outcome, new ProducerRecord<>(config.deadLetterTopic(), null, r.key(), r.value(), headers));
    }

    /**
     * The outcome of finished work. A failure of the machinery itself becomes FAILED with code
     * INTERNAL for the request as it was read, never silence, and never a second parse (whose
     * verdict could differ: a deadline may have passed since).
     */
    private Outcome outcomeOf(Slot slot) {
        try {
            return slot.outcome.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (slot.request == null) {
                return new Outcome.DeadLetter("the worker failed reading this record: " + cause.getMessage());
            }
            LOG.error("{} {} failed inside the worker; answering FAILED {}", slot.request.action(),
                    slot.request.requestId(), ResultBuilder.INTERNAL, cause);
            return new Outcome.Answer(ResultBuilder.internalFailure(slot.request, config.node(), cause, clock.instant()));
        }
    }

    private static RecordHeader header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
