package io.textintel.serving.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceClassificationHeadTest {

    private static final List<String> LABELS = List.of("billing", "shipping", "praise", "bug");

    @TempDir
    Path models;

    @Test
    void singleLabelProbabilitiesSumToOneAndMatchTheReference() throws IOException {
        Path dir = TinyModelGenerator.writeBertClassifier(models.resolve("single"),
                TinyBertSpec.small().withBiasAndNormStd(0.1), LABELS);
        try (CpuBackend fast = new CpuBackend(2)) {
            EncoderModel model = EncoderModel.load(dir, fast);
            EncoderModel reference = EncoderModel.load(dir, new ScalarBackend());
            assertThat(model.labels()).isEqualTo(LABELS);
            assertThat(model.embeddingDimension()).isZero();
            TokenBatch batch = TokenBatch.packed(BertEncoderTest.randomSequences(new Random(1), model.config(), 3, 20, 9));
            Tensor probabilities = model.classify(batch);
            assertThat(probabilities.shape()).containsExactly(3, 4);
            for (int i = 0; i < 3; i++) {
                double sum = 0;
                for (float p : probabilities.row(i)) {
                    assertThat(p).isBetween(0f, 1f);
                    sum += p;
                }
                assertThat(sum).isCloseTo(1.0, within(1e-6));
            }
            // probabilities of order 0.25 after two tanh/linear steps on states within 1e-4 of each other
            assertThat(BertEncoderTest.maxAbsDiff(probabilities, reference.classify(batch))).isLessThan(1e-5);
        }
    }

    @Test
    void multiLabelScoresAreIndependentSigmoids() throws IOException {
        Path dir = TinyModelGenerator.writeBertClassifier(models.resolve("multi"),
                TinyBertSpec.small().withBiasAndNormStd(0.1), LABELS, true);
        ScalarBackend backend = new ScalarBackend();
        EncoderModel model = EncoderModel.load(dir, backend);
        assertThat(model.config().multiLabel()).isTrue();
        TokenBatch batch = TokenBatch.packed(BertEncoderTest.randomSequences(new Random(2), model.config(), 5));
        Tensor scores = model.classify(batch);
        // with weights of std 0.02 every logit is near 0, so each sigmoid is near 0.5 and their
        // sum near 2; a softmax would sum to exactly 1
        double sum = 0;
        for (float score : scores.row(0)) {
            assertThat(score).isBetween(0.4f, 0.6f);
            sum += score;
        }
        assertThat(sum).isGreaterThan(1.5);
    }

    @Test
    void robertaHeadUsesDenseTanhAndOutProjection() {
        Random random = new Random(3);
        MapWeights weights = new MapWeights().randomBert(random, "roberta.", 40, 8, 1, 16, 12, 1)
                .linear(random, "classifier.dense", 8, 8)
                .linear(random, "classifier.out_proj", 3, 8);
        EncoderConfig config = new EncoderConfig("roberta", List.of("RobertaForSequenceClassification"), 8, 1, 2, 16,
                "gelu", 12, 1, 40, 1e-5, 1, List.of("neg", "neu", "pos"), null, "absolute");
        ScalarBackend backend = new ScalarBackend();
        EncoderModel model = EncoderModel.load("r", config, Optional.empty(), weights, backend);
        TokenBatch batch = TokenBatch.packed(List.of(new int[] {0, 7, 9, 2}));
        Tensor hidden = model.encoder().forward(batch);

        // the head by hand: softmax(out_proj(tanh(dense(h[<s>]))))
        float[] first = hidden.row(0);
        float[] dense = weights.get("classifier.dense.weight");
        float[] denseBias = weights.get("classifier.dense.bias");
        float[] out = weights.get("classifier.out_proj.weight");
        float[] outBias = weights.get("classifier.out_proj.bias");
        double[] pooled = new double[8];
        for (int o = 0; o < 8; o++) {
            double sum = denseBias[o];
            for (int k = 0; k < 8; k++) {
                sum += dense[o * 8 + k] * first[k];
            }
            pooled[o] = Math.tanh(sum);
        }
        double[] logits = new double[3];
        double total = 0;
        for (int o = 0; o < 3; o++) {
            double sum = outBias[o];
            for (int k = 0; k < 8; k++) {
                sum += out[o * 8 + k] * pooled[k];
            }
            logits[o] = Math.exp(sum);
            total += logits[o];
        }
        float[] probabilities = model.classify(batch).row(0);
        for (int o = 0; o < 3; o++) {
            assertThat(probabilities[o]).isCloseTo((float) (logits[o] / total), within(1e-6f));
        }
    }

    @Test
    void labelCountMustAgreeWithId2label() {
        Random random = new Random(4);
        MapWeights weights = new MapWeights().randomBert(random, "bert.", 40, 8, 1, 16, 12, 2)
                .linear(random, "bert.pooler.dense", 8, 8)
                .linear(random, "classifier", 3, 8);
        EncoderConfig config = new EncoderConfig("bert", List.of(), 8, 1, 2, 16, "gelu", 12, 2, 40, 1e-12, 0,
                List.of("a", "b"), null, "absolute");
        assertThatThrownBy(() -> SequenceClassificationHead.load(config, weights, new ScalarBackend()))
                .hasMessage("config.json: id2label has 2 labels, but classifier.weight has 3 rows;"
                        + " expected them to agree");
    }
}
