package io.textintel.operators.inference;

import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import io.textintel.serving.task.Summarizer;
import io.textintel.serving.task.Summary;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link TaskKind#SUMMARIZE}: a summary an instruction-tuned decoder writes, with its generation's statistics. */
final class GenerativeSummaryTask implements TaskType {

    /** {@code SummaryInfo.method} of these summaries. */
    static final String METHOD = "generative";

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return DecoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<Summary> runner(ModelTask task, TaskResources resources) throws IOException {
        Summarizer summarizer = new Summarizer(resources.decoder(task), task.generative().summaryOptions());
        return new Runner(task, summarizer, resources.model(task).revision());
    }

    static SummaryInfo summaryInfo(Summary summary) {
        return SummaryInfo.newBuilder()
                .setText(summary.text())
                .setInputTokens(summary.inputTokens())
                .setOutputTokens(summary.outputTokens())
                .setLatencyMillis(summary.latencyMillis())
                .setChunks(summary.chunks())
                .setDraftTokensProposed(summary.draftProposed())
                .setDraftTokensAccepted(summary.draftAccepted())
                .setAcceptanceRate(summary.draftProposed() == 0 ? null
                        : (float) summary.draftAccepted() / summary.draftProposed())
                .setVerifySteps(summary.verifySteps())
                .setAcceptedPerStep(summary.verifySteps() == 0 ? null : (float) summary.acceptedPerVerifyStep())
                .setSummarizedTokens(summary.summarizedTokens())
                .setMethod(METHOD)
                .setSentences(List.of())
                .build();
    }

    private record Runner(ModelTask task, Summarizer summarizer, String revision) implements TaskRunner<Summary> {

        @Override
        public CompletableFuture<Summary> run(TextRecord record, TaskInput input) {
            return summarizer.summarize(record.getText());
        }

        @Override
        public void write(Summary summary, TaskInput input, DocumentAssembler document) {
            document.summary(summaryInfo(summary));
            document.model(task, revision, input.untruncatedLength, input, null);
        }
    }
}
