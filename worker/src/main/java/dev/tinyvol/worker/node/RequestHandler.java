package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.InvalidRequestException;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestCodec;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultError;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.UnreadableRecordException;
import dev.tinyvol.worker.registry.SharedPulls;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns one record's bytes into its outcome: a dead letter for what nobody could be answered for;
 * REJECTED for an invalid request or one meant for another node; EXPIRED past its deadline; the
 * stored answer for a requestId already answered; otherwise the work, done by {@link RequestExecutor}.
 * Knows nothing of Kafka.
 */
public final class RequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);

    private final String node;
    private final RequestExecutor executor;
    private final AnswerStore answers;
    private final Clock clock;

    public RequestHandler(String node, RequestExecutor executor, AnswerStore answers, Clock clock) {
        this.node = node;
        this.executor = executor;
        this.answers = answers;
        this.clock = clock;
    }

    /** What a record is, decided when it is read (deadlines are judged at read time). */
    public sealed interface Parsed permits Parsed.Ready, Parsed.Done {
        /**
         * A valid request for this node, still to be executed; {@code pull} is the pull started for
         * it (null if it needs none), which the request waits for before it takes a request thread.
         */
        record Ready(Request request, SharedPulls.Claim pull) implements Parsed {

            /** Done when the request may start: its content is on the node, or its pull failed. */
            public CompletableFuture<?> prerequisite() {
                return pull == null ? CompletableFuture.completedFuture(null) : pull.pull();
            }
        }

        /** Already decided: a dead letter, or a REJECTED or EXPIRED result. */
        record Done(Outcome outcome) implements Parsed {
        }
    }

    /** Decodes and checks a record; cheap, called on the polling thread. */
    public Parsed parse(byte[] value, Instant readAt) {
        Parsed parsed = check(value, readAt);
        if (parsed instanceof Parsed.Done done && done.outcome() instanceof Outcome.Answer answer) {
            Result r = answer.result();
            MDC.put("requestId", r.requestId());
            MDC.put("volume", r.volume() == null ? "*" : r.volume());
            try {
                LOG.info("{} {}: {}", r.action(), r.status(), r.errors().get(0).message());
            } finally {
                MDC.remove("requestId");
                MDC.remove("volume");
            }
        }
        return parsed;
    }

    private Parsed check(byte[] value, Instant readAt) {
        Request request;
        try {
            request = RequestCodec.decode(value);
        } catch (UnreadableRecordException e) {
            return new Parsed.Done(new Outcome.DeadLetter(e.getMessage()));
        } catch (InvalidRequestException e) {
            return new Parsed.Done(new Outcome.Answer(refusal(e.requestId(), e.correlationId(), e.action(), e.volume(),
                    Status.REJECTED, new ResultError("INVALID_FIELD", e.field(), e.getMessage()), readAt)));
        }
        if (!request.node().equals(node)) {
            return new Parsed.Done(new Outcome.Answer(refusal(request.requestId(), request.correlationId(), request.action(),
                    request.volume(), Status.REJECTED, new ResultError("WRONG_NODE", "node", "this request is for node "
                            + request.node() + " but was read by node " + node + "; publish it to that node's topic"), readAt)));
        }
        if (request.deadline() != null && readAt.isAfter(request.deadline())) {
            return new Parsed.Done(new Outcome.Answer(refusal(request.requestId(), request.correlationId(), request.action(),
                    request.volume(), Status.EXPIRED, new ResultError("DEADLINE_PASSED", "deadline", "read at " + readAt
                            + ", after its deadline " + request.deadline() + "; not executed"), readAt)));
        }
        return new Parsed.Ready(request, executor.startPull(request));
    }

    /** Executes a valid request, or gives the stored answer if its requestId was answered before. */
    public Outcome execute(Request request) {
        return execute(request, null);
    }

    /** As {@link #execute(Request)}, with the pull {@link #parse} started for the request. */
    public Outcome execute(Request request, SharedPulls.Claim pull) {
        MDC.put("requestId", request.requestId());
        MDC.put("volume", request.volume() == null ? "*" : request.volume());
        MDC.put("node", node);
        try {
            var previous = answers.get(request.requestId());
            if (previous.isPresent()) {
                LOG.info("{} {} answered before: repeating its result", request.action(), request.requestId());
                return new Outcome.Answer(previous.get());
            }
            Result result = executor.execute(request, pull);
            try {
                answers.put(result);
            } catch (RuntimeException e) {
                // The answer still goes out; only a redelivery of this request would redo the work.
                LOG.warn("could not store the answer to {} ({}); a repeat of it will be carried out again",
                        request.requestId(), e.getMessage());
            }
            // The requestId is in the MDC, printed after the message by both shipped patterns.
            LOG.info("{} {} {} in {} ms{}", request.action(), request.volume() == null ? "*" : request.volume(),
                    result.status(), result.durationMs(),
                    result.errors().isEmpty() ? "" : ": " + result.errors().get(0).code() + ": " + result.errors().get(0).message());
            return new Outcome.Answer(result);
        } finally {
            MDC.remove("requestId");
            MDC.remove("volume");
        }
    }

    private Result refusal(String requestId, String correlationId, Action action, String volume, Status status,
                           ResultError error, Instant at) {
        return ResultBuilder.refusal(requestId, correlationId, action, volume, node, status, error, at, clock.instant());
    }
}
