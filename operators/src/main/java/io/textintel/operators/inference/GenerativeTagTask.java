package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;
import io.textintel.serving.task.GenerativeTagger;
import io.textintel.serving.task.LabelScore;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link TaskKind#GENERATIVE_TAG}: topic tags an instruction-tuned decoder chooses among the configured labels. */
final class GenerativeTagTask implements TaskType {

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return DecoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<List<LabelScore>> runner(ModelTask task, TaskResources resources) throws IOException {
        GenerativeTagger tagger = new GenerativeTagger(resources.decoder(task), task.generative().taggingOptions());
        return new Runner(task, tagger, resources.model(task).revision());
    }

    private record Runner(ModelTask task, GenerativeTagger tagger, String revision)
            implements TaskRunner<List<LabelScore>> {

        @Override
        public CompletableFuture<List<LabelScore>> run(TextRecord record, TaskInput input) {
            return tagger.tag(record.getText());
        }

        @Override
        public void write(List<LabelScore> scores, TaskInput input, DocumentAssembler document) {
            document.topics(TopLabels.ofRanked(scores, task.topK(), task.minScore()));
            document.model(task, revision, input.untruncatedLength, input, null);
        }
    }
}
