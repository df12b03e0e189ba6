package dev.tinyvol.worker.kafka;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.ResultError;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.node.Outcome;
import dev.tinyvol.worker.node.RequestExecutor;
import dev.tinyvol.worker.node.RequestHandler;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
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
    private final RequestHandler handler;
    private final Clock clock;

    OutgoingRecords(WorkerConfig config, RequestHandler handler, Clock clock) {
        this.config = config;
        this.handler = handler;
        this.clock = clock;
    }

    Outgoing of(Slot slot) {
        Outcome outcome = outcomeOf(slot);
        if (outcome instanceof Outcome.Answer answer) {
            Result result = answer.result();
            return new Outgoing(outcome, new ProducerRecord<>(config.resultsTopic(), null,
                    result.key().getBytes(StandardCharsets.UTF_8), ResultCodec.encode(result),
                    List.of(header("requestId", result.requestId()))));
        }
        ConsumerRecord<byte[], byte[]> r = slot.record;
        String reason = ((Outcome.DeadLetter) outcome).reason();
        LOG.warn("dead-lettered {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
        return new Outgoing(outcome, new ProducerRecord<>(config.deadLetterTopic(), null, r.key(), r.value(), List.of(
                header("tinyvol.dlq.reason", reason),
                header("tinyvol.dlq.topic", r.topic()),
                header("tinyvol.dlq.partition", String.valueOf(r.partition())),
                header("tinyvol.dlq.offset", String.valueOf(r.offset())),
                header("tinyvol.dlq.node", config.node()),
                header("tinyvol.dlq.time", clock.instant().toString()))));
    }

    /** The outcome of finished work; a failure of the machinery itself becomes a FAILED result, never silence. */
    private Outcome outcomeOf(Slot slot) {
        try {
            return slot.outcome.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            Request request = ((RequestHandler.Parsed.Ready) handler.parse(slot.record.value(), clock.instant())).request();
            Instant now = clock.instant();
            return new Outcome.Answer(new Result(Request.SCHEMA_VERSION, request.requestId(), request.correlationId(),
                    request.action(), config.node(), request.volume(), Status.FAILED, null, null, 0, 0, 0, 0, 0, 0, 1,
                    List.of(new ResultError("INTERNAL_ERROR", null, cause.getClass().getSimpleName() + ": " + cause.getMessage())),
                    List.of(), now, now, RequestExecutor.VERSION, List.of(), null));
        }
    }

    private static RecordHeader header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
