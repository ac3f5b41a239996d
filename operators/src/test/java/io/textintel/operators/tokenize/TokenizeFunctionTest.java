package io.textintel.operators.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.operators.TestModels;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskInput;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.DeadLetter;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

class TokenizeFunctionTest {

    private static final String SHORT_TEXT = "the parcel arrived late and the box was damaged";
    private static final String LONG_TEXT = "my order was charged twice and nobody answers the support email, "
            + "so I want a refund for the second payment and an explanation of why this keeps happening";

    @TempDir
    static Path models;

    private static Path embedder;
    private static Path classifier;

    @BeforeAll
    static void generateModels() throws IOException {
        embedder = TestModels.embedder(models.resolve("embedder"));
        classifier = TestModels.classifier(models.resolve("classifier"));
    }

    private static OneInputStreamOperatorTestHarness<DecodedRecord, TokenizedDocument> harness(ModelTask... tasks)
            throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new TokenizeFunction(List.of(tasks), ModelRepository.defaults()));
    }

    private static DecodedRecord decoded(String id, String text, long offset) {
        return new DecodedRecord(TestModels.record(id, text), TestModels.provenance(offset));
    }

    /** What the checkpoint's own tokenizer makes of {@code text}, with the model's limit or {@code maxLength}. */
    private static TokenizedText reference(Path modelDir, int maxLength, String text) throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir, maxLength)) {
            return tokenizer.encode(text);
        }
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<DecodedRecord, TokenizedDocument> h) {
        ConcurrentLinkedQueue<StreamRecord<DeadLetter>> side = h.getSideOutput(DeadLetters.TAG);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void everyTaskGetsItsOwnTokensInTaskOrderAndTheRecordPassesThrough() throws Exception {
        ModelTask embed = ModelTask.embed("embed", embedder.toString(), null);
        ModelTask tag = ModelTask.tag("tag", classifier.toString(), null, 3, 0f);
        try (var h = harness(embed, tag)) {
            h.processElement(decoded("fb-1", SHORT_TEXT, 11), 0);
            h.processElement(decoded("fb-2", "great app", 12), 0);

            List<TokenizedDocument> out = h.extractOutputValues();
            assertThat(out).extracting(d -> d.record.getId()).containsExactly("fb-1", "fb-2");
            TokenizedDocument first = out.get(0);
            assertThat(first.record.getText()).isEqualTo(SHORT_TEXT);
            assertThat(first.provenance.getOffset()).isEqualTo(11L);
            assertThat(first.inputs).extracting(in -> in.task).containsExactly("embed", "tag");

            TokenizedText expected = reference(embedder, Integer.MAX_VALUE, SHORT_TEXT);
            assertThat(first.inputs[0].tokenIds).containsExactly(expected.ids());
            assertThat(first.inputs[1].tokenIds).containsExactly(reference(classifier, Integer.MAX_VALUE, SHORT_TEXT).ids());
            assertThat(first.inputs[0].truncated).isFalse();
            assertThat(first.inputs[0].untruncatedLength).isEqualTo(expected.ids().length);
            assertThat(first.inputs[0].unknownTokens).isZero();
            assertThat(out.get(1).inputs[0].tokenIds).containsExactly(reference(embedder, Integer.MAX_VALUE, "great app").ids());
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void aTaskWithAMaxLengthTruncatesAndRecordsTheUntruncatedLengthWhileOtherTasksKeepEverything() throws Exception {
        int maxLength = 8;
        ModelTask full = ModelTask.embed("embed", embedder.toString(), null);
        ModelTask cut = new ModelTask("tag", TaskKind.TAG, classifier.toString(), null, maxLength, 2, 0f);
        TokenizedText untruncated = reference(classifier, Integer.MAX_VALUE, LONG_TEXT);
        assertThat(untruncated.ids().length).as("the text must be longer than the limit for this test")
                .isGreaterThan(maxLength);

        try (var h = harness(full, cut)) {
            h.processElement(decoded("fb-3", LONG_TEXT, 3), 0);

            TaskInput tag = h.extractOutputValues().get(0).inputs[1];
            assertThat(tag.tokenIds).hasSize(maxLength);
            assertThat(tag.truncated).isTrue();
            assertThat(tag.untruncatedLength).isEqualTo(untruncated.ids().length);
            // Truncation keeps the leading tokens and the closing [SEP], as transformers does.
            int[] ids = untruncated.ids();
            assertThat(tag.tokenIds[0]).isEqualTo(ids[0]);
            assertThat(tag.tokenIds[maxLength - 2]).isEqualTo(ids[maxLength - 2]);
            assertThat(tag.tokenIds[maxLength - 1]).isEqualTo(ids[ids.length - 1]);

            TaskInput embed = h.extractOutputValues().get(0).inputs[0];
            assertThat(embed.truncated).isFalse();
            assertThat(embed.tokenIds).hasSize(embed.untruncatedLength).hasSizeGreaterThan(maxLength);
        }
    }

    @Test
    void theModelsOwnLimitCapsALargerMaxLength() throws Exception {
        String veryLong = (LONG_TEXT + " ").repeat(10);
        ModelTask task = new ModelTask("embed", TaskKind.EMBED, embedder.toString(), null, 100_000, 1, 0f);
        try (var h = harness(task)) {
            h.processElement(decoded("fb-4", veryLong, 4), 0);

            TaskInput input = h.extractOutputValues().get(0).inputs[0];
            assertThat(input.tokenIds).hasSize(TestModels.MAX_POSITIONS);
            assertThat(input.truncated).isTrue();
            assertThat(input.untruncatedLength).isGreaterThan(TestModels.MAX_POSITIONS);
        }
    }

    @Test
    void unknownCharactersAreCounted() throws Exception {
        try (var h = harness(ModelTask.embed("embed", embedder.toString(), null))) {
            h.processElement(decoded("fb-5", "parcel \u2603\u2603 late", 5), 0);

            TaskInput input = h.extractOutputValues().get(0).inputs[0];
            assertThat(input.unknownTokens).isEqualTo(reference(embedder, Integer.MAX_VALUE, "parcel \u2603\u2603 late")
                    .unknownTokens()).isPositive();
        }
    }

    @Test
    void aModelDirectoryWithoutConfigJsonFailsOpenNamingTheDirectory() throws Exception {
        Path incomplete = Files.createDirectories(models.resolve("no-config"));
        Files.copy(embedder.resolve("tokenizer.json"), incomplete.resolve("tokenizer.json"));

        assertThatThrownBy(() -> harness(ModelTask.embed("embed", incomplete.toString(), null)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(incomplete.toAbsolutePath().toString())
                .hasMessageContaining("config.json")
                .hasMessageContaining("'embed'");
    }

    @Test
    void aModelDirectoryWithoutTokenizerJsonFailsOpenNamingTheDirectory() throws Exception {
        Path incomplete = Files.createDirectories(models.resolve("no-tokenizer"));
        Files.copy(embedder.resolve("config.json"), incomplete.resolve("config.json"));

        assertThatThrownBy(() -> harness(ModelTask.embed("embed", incomplete.toString(), null)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(incomplete.toAbsolutePath().toString())
                .hasStackTraceContaining("tokenizer.json");
    }

    @Test
    void theFunctionSurvivesJavaSerializationAsTheJobShipsIt() throws Exception {
        TokenizeFunction copy = InstantiationUtil.clone(
                new TokenizeFunction(List.of(ModelTask.embed("embed", embedder.toString(), null)), ModelRepository.defaults()));
        try (var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(copy))) {
            h.open();
            h.processElement(decoded("fb-6", SHORT_TEXT, 6), 0);

            assertThat(h.extractOutputValues()).hasSize(1);
        }
    }

    @Test
    void anEmptyTaskListIsRejectedAtConstruction() {
        assertThatThrownBy(() -> new TokenizeFunction(List.of(), ModelRepository.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tasks must not be empty");
    }
}
