package io.textintel.serving.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The engine against Hugging Face transformers on checkpoints that transformers made: a tiny Llama
 * (grouped-query attention, untied embeddings, rope_theta 500000 in transformers 5's
 * {@code rope_parameters}), a tiny Qwen2 (query/key/value biases, tied embeddings) and a BERT with
 * all-MiniLM-L6-v2's config at small sizes, each saved by {@code save_pretrained} with a fixed seed
 * and its outputs recorded by transformers in float32 ({@code gpu/make_fixtures.py}; the versions
 * are in each {@code expected.json}). No code of the engine made these numbers.
 *
 * <p>Tolerances, relative to the largest magnitude of the compared values: 1e-4 for logits, hidden
 * states and embeddings (float32 on both sides; the sums run in a different order, and GELU and the
 * rotary angles are computed by different code). Greedy tokens must be identical: every step's
 * margin between the best and the second-best logit in the fixture is checked to be far above the
 * logit tolerance, so a tie cannot decide a token.
 */
class HuggingFaceFixturesTest {

    private static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String name) throws URISyntaxException {
        URL url = HuggingFaceFixturesTest.class.getResource("hf-fixtures/" + name);
        assertThat(url).as("fixture directory hf-fixtures/%s on the test classpath", name).isNotNull();
        return Path.of(url.toURI());
    }

    static JsonNode expected(Path dir) throws IOException {
        return JSON.readTree(dir.resolve("expected.json").toFile());
    }

    static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    /**
     * Asserts {@code actual} within {@code TOLERANCE} of the largest |expected|; the message names
     * the largest error, where it is ({@code row, column} of {@code cols}-wide rows), both values and
     * the scale.
     */
    static void assertClose(String what, float[] actual, float[] expected, int cols) {
        assertThat(actual.length).as("%s: values", what).isEqualTo(expected.length);
        double scale = 0;
        for (float value : expected) {
            scale = Math.max(scale, Math.abs(value));
        }
        assertThat(scale).as("%s: not all zero", what).isGreaterThan(0);
        int worst = 0;
        double error = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(actual[i] - expected[i]);
            if (!(e <= error)) { // NaN counts as the worst
                error = e;
                worst = i;
            }
        }
        assertThat(error / scale)
                .as("%s: max abs error %.3g at [%d, %d] (engine %s, transformers %s), largest |value| %.4g, relative",
                        what, error, worst / cols, worst % cols, actual[worst], expected[worst], scale)
                .isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void llamaLogitsAndGreedyTokensMatchTransformers() throws Exception {
        assertDecoderMatches("llama");
    }

    @Test
    void qwen2LogitsAndGreedyTokensMatchTransformers() throws Exception {
        assertDecoderMatches("qwen2");
    }

    private static void assertDecoderMatches(String name) throws Exception {
        Path dir = fixture(name);
        JsonNode expected = expected(dir);
        int[] prompt = ints(expected.get("prompt"));
        int vocab = expected.get("vocab_size").asInt();
        float[] promptLogits = floats(expected.get("prompt_logits")); // [prompt, vocab]
        float[] lastLogits = floats(expected.get("last_logits")); // [vocab]
        int[] greedy = ints(expected.get("greedy_tokens"));
        float[] margins = floats(expected.get("greedy_margins"));
        double logitScale = 0;
        for (float value : promptLogits) {
            logitScale = Math.max(logitScale, Math.abs(value));
        }
        for (int step = 0; step < margins.length; step++) {
            assertThat((double) margins[step]).as("%s: fixture's top-2 margin at greedy step %d", name, step)
                    .isGreaterThan(20 * TOLERANCE * logitScale);
        }
        List<Supplier<DecoderOps>> allOps = List.of(ScalarDecoderOps::new, () -> new FastDecoderOps(2));
        for (Supplier<DecoderOps> ops : allOps) {
            try (DecoderModel model = DecoderModel.load(dir, ops.get())) {
                String what = name + " on " + model.opsName();
                assertThat(model.vocabSize()).isEqualTo(vocab);
                float[][] rows;
                try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, 8)) {
                    assertThat(cache.reserve(1, prompt.length)).isTrue();
                    rows = model.forward(List.of(new SequenceChunk(1, prompt, 0, prompt.length)), cache);
                }
                float[] all = new float[prompt.length * vocab];
                for (int t = 0; t < prompt.length; t++) {
                    System.arraycopy(rows[t], 0, all, t * vocab, vocab);
                }
                assertClose(what + ", logits of every prompt position", all, promptLogits, vocab);
                assertClose(what + ", last position's logits", rows[prompt.length - 1], lastLogits, vocab);
                assertThat(greedyThroughTheCache(model, prompt, greedy.length))
                        .as("%s, greedy continuation of %s", what, Arrays.toString(prompt)).containsExactly(greedy);
            }
        }
    }

    /** Prefill, then one decode step per token through the paged cache, taking the argmax each time. */
    private static int[] greedyThroughTheCache(DecoderModel model, int[] prompt, int count) {
        int[] tokens = new int[count];
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, 8)) {
            assertThat(cache.reserve(1, prompt.length)).isTrue();
            float[] logits = model.forward(List.of(new SequenceChunk(1, prompt, 0, 1)), cache)[0];
            cache.commit(1, prompt.length);
            for (int i = 0; i < count; i++) {
                tokens[i] = argmax(logits);
                if (i + 1 < count) {
                    int position = prompt.length + i;
                    assertThat(cache.reserve(1, 1)).isTrue();
                    logits = model.forward(List.of(new SequenceChunk(1, new int[] {tokens[i]}, position, 1)), cache)[0];
                    cache.commit(1, position + 1);
                }
            }
        }
        return tokens;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void bertHiddenStatesAndEmbeddingsMatchTransformers() throws Exception {
        Path dir = fixture("bert");
        JsonNode expected = expected(dir);
        int hidden = expected.get("hidden_size").asInt();
        List<int[]> sequences = new ArrayList<>();
        expected.get("sequences").forEach(sequence -> sequences.add(ints(sequence)));
        List<Supplier<Backend>> backends = List.of(ScalarBackend::new, () -> new CpuBackend(2));
        for (Supplier<Backend> backendSupplier : backends) {
            try (Backend backend = backendSupplier.get()) {
                EncoderModel model = EncoderModel.load(dir, backend);
                assertThat(model.pooling()).as("a plain transformers BertModel embeds by mean pooling").isPresent();
                // packed: the sequences' rows one after another, no padding
                TokenBatch batch = TokenBatch.packed(sequences);
                Tensor states = model.encoder().forward(batch); // [total tokens, hidden]
                Tensor embeddings = model.embed(batch); // [sequences, hidden]
                int row = 0;
                for (int s = 0; s < sequences.size(); s++) {
                    int length = sequences.get(s).length;
                    float[] actual = Arrays.copyOfRange(states.data(), row * hidden, (row + length) * hidden);
                    String what = "bert on " + backend.name() + ", sequence " + s;
                    assertClose(what + " last hidden states", actual, floats(expected.get("last_hidden_states").get(s)),
                            hidden);
                    assertClose(what + " embedding", embeddings.row(s), floats(expected.get("embeddings").get(s)),
                            hidden);
                    row += length;
                }
            }
        }
    }
}
