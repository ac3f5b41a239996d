package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;

import java.util.concurrent.CompletableFuture;

/**
 * Computes one task's result for a document on the shared engines, and writes it into the
 * document; opened by the inference operator.
 *
 * @param <R> what the task computes
 */
interface TaskRunner<R> {

    /**
     * Starts the computation. The future fails as the engine's requests do; cancelling it cancels
     * the requests still waiting.
     */
    CompletableFuture<R> run(TextRecord record, TaskInput input);

    /** Writes the task's fields and its model reference; runs on the operator's task thread. */
    void write(R result, TaskInput input, DocumentAssembler document);
}
