package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.ModelInfo;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link TaskKind#TAG}: topic tags from the checkpoint's sequence-classification head (labels from id2label). */
final class ClassifierTagTask implements TaskType {

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return EncoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<float[]> runner(ModelTask task, TaskResources resources) throws IOException {
        EncoderEngine engine = resources.engine(task);
        ModelInfo info = engine.model();
        if (info.labels().isEmpty()) {
            throw new IllegalArgumentException("task '" + task.name() + "' tags, but model " + task.modelId()
                    + " (" + info.architecture() + ") has no classification head with labels (id2label)");
        }
        return new Runner(task, engine, info.labels(), resources.model(task).revision());
    }

    private record Runner(ModelTask task, EncoderEngine engine, List<String> labels, String revision)
            implements TaskRunner<float[]> {

        @Override
        public CompletableFuture<float[]> run(TextRecord record, TaskInput input) {
            return engine.classify(input.tokenIds);
        }

        @Override
        public void write(float[] probabilities, TaskInput input, DocumentAssembler document) {
            document.topics(TopLabels.of(probabilities, labels, task.topK(), task.minScore()));
            document.model(task, revision, input.tokenIds.length, input, null);
        }
    }
}
