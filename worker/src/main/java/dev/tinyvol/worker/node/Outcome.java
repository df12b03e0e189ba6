package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Result;

/** What becomes of one record read: a result to publish, or a dead letter for a record nobody can be answered for. */
public sealed interface Outcome permits Outcome.Answer, Outcome.DeadLetter {

    /** A result for {@code tinyvol.results}. */
    record Answer(Result result) implements Outcome {
    }

    /** The record goes to the dead-letter topic as received, with {@code reason} in its headers. */
    record DeadLetter(String reason) implements Outcome {
    }
}
