package io.textintel.operators.inference;

import io.textintel.operators.embedding.CentralSentences;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link TaskKind#EXTRACTIVE_SUMMARY}: a summary made of the text's most central sentences
 * ({@link CentralSentences}, settings in {@link ExtractiveSettings}), on any embedding model.
 *
 * <p>The tokenize step splits the text into sentences ({@link SentenceBreaks}) and tokenizes each
 * (after the task's prefix); inference embeds them all through the shared engine, which batches them
 * with everything else. A text of fewer than {@code min-sentences} sentences or
 * {@code min-text-length} characters gets no summary: it is its own summary. The summary records
 * the chosen sentences' indices.
 */
final class ExtractiveSummaryTask implements TaskType {

    /** {@code SummaryInfo.method} of these summaries. */
    static final String METHOD = "extractive";

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        ExtractiveSettings settings = task.extractive();
        TextTokenizer tokenizer = resources.tokenizer(task);
        return record -> {
            String text = record.getText();
            int[] offsets = SentenceBreaks.of(text, record.getLanguage(), settings.maxInputSentences());
            List<String> sentences = new ArrayList<>(offsets.length / 2);
            for (int i = 0; i < offsets.length; i += 2) {
                sentences.add(task.prefix() + text.substring(offsets[i], offsets[i + 1]));
            }
            List<TokenizedText> tokens = tokenizer.encodeBatch(sentences);
            int[][] ids = new int[tokens.size()][];
            boolean truncated = SentenceBreaks.hasMore(text, offsets);
            int untruncated = 0;
            int unknown = 0;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokens.get(i).ids();
                truncated |= tokens.get(i).truncated();
                untruncated += tokens.get(i).untruncatedLength();
                unknown += tokens.get(i).unknownTokens();
            }
            return TaskInput.ofSentences(task.name(), ids, offsets, truncated, untruncated, unknown);
        };
    }

    @Override
    public TaskRunner<SentenceEmbeddings> runner(ModelTask task, TaskResources resources) throws IOException {
        EncoderEngine engine = resources.engine(task);
        EncoderTexts.requireEmbedder(task, engine, "summarizes extractively by embeddings");
        return new Runner(task, task.extractive(), engine, resources.model(task).revision());
    }

    /** The embeddings of a text's sentences and how long they took; none for a text too short to summarise. */
    record SentenceEmbeddings(List<float[]> vectors, long latencyMillis) {}

    private record Runner(ModelTask task, ExtractiveSettings settings, EncoderEngine engine, String revision)
            implements TaskRunner<SentenceEmbeddings> {

        @Override
        public CompletableFuture<SentenceEmbeddings> run(TextRecord record, TaskInput input) {
            if (input.sentences() < settings.minSentences() || record.getText().length() < settings.minTextLength()) {
                return CompletableFuture.completedFuture(new SentenceEmbeddings(List.of(), 0));
            }
            long start = System.nanoTime();
            List<CompletableFuture<float[]>> parts = new ArrayList<>(input.sentences());
            for (int[] ids : input.sentenceTokenIds) {
                parts.add(engine.embed(ids));
            }
            CompletableFuture<List<float[]>> all = Futures.all(parts);
            CompletableFuture<SentenceEmbeddings> result = all.thenApply(vectors -> new SentenceEmbeddings(vectors,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
            result.whenComplete((done, error) -> {
                if (result.isCancelled()) {
                    all.cancel(false);
                }
            });
            return result;
        }

        @Override
        public void write(SentenceEmbeddings embeddings, TaskInput input, DocumentAssembler document) {
            int inputTokens = Arrays.stream(input.sentenceTokenIds).mapToInt(ids -> ids.length).sum();
            document.model(task, revision, inputTokens, input, null);
            if (embeddings.vectors().isEmpty()) {
                return;
            }
            String text = document.text();
            int[] lengths = new int[input.sentences()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = input.sentenceOffsets[2 * i + 1] - input.sentenceOffsets[2 * i];
            }
            int[] chosen = CentralSentences.select(embeddings.vectors().toArray(float[][]::new), lengths,
                    settings.maxSentences(), settings.maxCharacters(), settings.mmrLambda());
            StringBuilder summary = new StringBuilder();
            List<Integer> indices = new ArrayList<>(chosen.length);
            int outputTokens = 0;
            for (int i : chosen) {
                if (!summary.isEmpty()) {
                    summary.append(' ');
                }
                summary.append(text, input.sentenceOffsets[2 * i], input.sentenceOffsets[2 * i + 1]);
                indices.add(i);
                outputTokens += input.sentenceTokenIds[i].length;
            }
            document.summary(SummaryInfo.newBuilder()
                    .setText(cut(summary.toString(), settings.maxCharacters()))
                    .setInputTokens(inputTokens)
                    .setOutputTokens(outputTokens)
                    .setLatencyMillis(embeddings.latencyMillis())
                    .setChunks(1)
                    .setMethod(METHOD)
                    .setSentences(indices)
                    .build());
        }

        /** {@code text} within {@code maxCharacters} (0: no limit), cut at a word boundary and ending in … when cut. */
        static String cut(String text, int maxCharacters) {
            if (maxCharacters == 0 || text.length() <= maxCharacters) {
                return text;
            }
            int end = maxCharacters - 1;
            int space = text.lastIndexOf(' ', end);
            if (space > 0) {
                end = space;
            }
            return text.substring(0, end).stripTrailing() + "…";
        }
    }
}
