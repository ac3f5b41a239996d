package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;
import io.textintel.serving.engine.EncoderEngine;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** {@link TaskKind#EMBED}: the text's pooled, L2-normalised sentence embedding, written to {@code embedding}. */
final class EmbedTask implements TaskType {

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return EncoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<float[]> runner(ModelTask task, TaskResources resources) throws IOException {
        EncoderEngine engine = resources.engine(task);
        EncoderTexts.requireEmbedder(task, engine, "embeds");
        return new Runner(task, engine, resources.model(task).revision());
    }

    private record Runner(ModelTask task, EncoderEngine engine, String revision) implements TaskRunner<float[]> {

        @Override
        public CompletableFuture<float[]> run(TextRecord record, TaskInput input) {
            return engine.embed(input.tokenIds);
        }

        @Override
        public void write(float[] embedding, TaskInput input, DocumentAssembler document) {
            document.embedding(embedding);
            document.model(task, revision, input.tokenIds.length, input, null);
        }
    }
}
