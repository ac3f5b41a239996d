package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;
import io.textintel.serving.engine.EncoderEngine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs a tag task whose head scores the text's embedding (few-shot, zero-shot): embeds the text on the
 * shared engine, then writes the head's top labels and the head's version.
 *
 * @param scores the head: an embedding to one score per label, in {@code labels}' order
 * @param head the head's version, recorded on the document's model reference
 */
record EmbeddingHeadRunner(ModelTask task, EncoderEngine engine, List<String> labels,
        Function<float[], float[]> scores, String revision, String head) implements TaskRunner<float[]> {

    @Override
    public CompletableFuture<float[]> run(TextRecord record, TaskInput input) {
        return engine.embed(input.tokenIds);
    }

    @Override
    public void write(float[] embedding, TaskInput input, DocumentAssembler document) {
        document.topics(TopLabels.of(scores.apply(embedding), labels, task.topK(), task.minScore()));
        document.model(task, revision, input.tokenIds.length, input, head);
    }
}
