package dev.tinyvol.worker.kafka;

import dev.tinyvol.client.RequestTracing;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.node.Outcome;
import dev.tinyvol.worker.node.ResultBuilder;
import dev.tinyvol.worker.node.ResultFitter;
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
 * why and where it came from. Every record it makes fits in the producer's {@code max.request.size}:
 * a result is cut to fit ({@link ResultFitter}) or, if it cannot be, answered
 * {@code RESULT_TOO_LARGE}; a slot whose record Kafka refused anyway ({@link Slot#refusedBecause()})
 * goes in its small form.
 */
final class OutgoingRecords {

    /** A slot's outcome and the record that publishes it. */
    record Outgoing(Slot slot, Outcome outcome, ProducerRecord<byte[], byte[]> record) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(OutgoingRecords.class);
    /** kafka-clients' default max.request.size. */
    static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    /**
     * A record's bytes beyond its key, value and headers (a batch header of 61 bytes, varints and
     * attributes), with room to spare: the budget a value gets is the limit less this, the key and the headers.
     */
    static final int RECORD_OVERHEAD = 256;

    private final WorkerConfig config;
    private final Clock clock;
    private final int maxRequestSize;

    OutgoingRecords(WorkerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.maxRequestSize = maxRequestSize(config);
    }

    /** The producer's max.request.size as the worker is configured (kafka.max.request.size). */
    static int maxRequestSize(WorkerConfig config) {
        String value = config.kafka().get("max.request.size");
        try {
            return value == null ? DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return DEFAULT_MAX_REQUEST_SIZE; // the producer refuses the setting itself, naming it
        }
    }

    Outgoing of(Slot slot) {
        Outcome outcome = outcomeOf(slot);
        if (outcome instanceof Outcome.Answer answer) {
            Result result = answer.result();
            List<org.apache.kafka.common.header.Header> headers = new java.util.ArrayList<>(List.of(header("requestId", result.requestId())));
            if (slot.traceparent != null) {
                headers.add(header(RequestTracing.HEADER, slot.traceparent)); // the request's span: the result is in its trace
            }
            byte[] key = result.key().getBytes(StandardCharsets.UTF_8);
            byte[] value = fitted(slot, result, maxRequestSize - RECORD_OVERHEAD - key.length - sizeOf(headers));
            return new Outgoing(slot, outcome, new ProducerRecord<>(config.resultsTopic(), null, key, value, headers));
        }
        ConsumerRecord<byte[], byte[]> r = slot.record;
        String reason = ((Outcome.DeadLetter) outcome).reason();
        if (slot.refusedBecause() != null) {
            // The record as received cannot be dead-lettered: its headers say why and where it came from.
            reason = reason + "; the record itself (" + (r.value() == null ? 0 : r.value().length) + " bytes) is left out: "
                    + "Kafka refused it on the dead-letter topic (" + slot.refusedBecause() + ")";
        }
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
        return new Outgoing(slot, outcome, new ProducerRecord<>(config.deadLetterTopic(), null, r.key(),
                slot.refusedBecause() == null ? r.value() : null, headers));
    }

    /**
     * The result's JSON within {@code budget} bytes: whole, cut to fit, or (when even that cannot fit,
     * or Kafka refused the record) the small RESULT_TOO_LARGE answer. Logged whenever it is not whole.
     */
    private byte[] fitted(Slot slot, Result result, int budget) {
        if (slot.refusedBecause() != null) {
            return tooLarge(result, "Kafka refused the record (" + slot.refusedBecause() + ")");
        }
        ResultFitter.Fitted fitted = ResultFitter.fit(result, budget);
        if (fitted == null) {
            return tooLarge(result, "it is larger than one record may be, even with its lists cut to their first "
                    + "entries (max.request.size " + maxRequestSize + " bytes)");
        }
        if (fitted.result() != result) {
            LOG.warn("{} {}: result cut to fit max.request.size {} (volumes {} of {}, warnings {} of {}, errors {} of {}{})",
                    result.action(), result.requestId(), maxRequestSize, fitted.result().volumes().size(),
                    result.volumes().size(), fitted.result().warnings().size(), result.warnings().size(),
                    fitted.result().errors().size(), result.errors().size(),
                    fitted.result().nextPage() == null ? "" : "; the next page starts after " + fitted.result().nextPage());
        }
        return fitted.json();
    }

    private static byte[] tooLarge(Result result, String why) {
        LOG.warn("{} {}: answering FAILED {}: {}", result.action(), result.requestId(),
                dev.tinyvol.worker.errors.ErrorCode.RESULT_TOO_LARGE, why);
        return ResultCodec.encode(ResultBuilder.tooLarge(result, why));
    }

    private static int sizeOf(List<org.apache.kafka.common.header.Header> headers) {
        int size = 0;
        for (org.apache.kafka.common.header.Header h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length) + 10;
        }
        return size;
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
