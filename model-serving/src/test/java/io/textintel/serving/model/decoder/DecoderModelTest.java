package io.textintel.serving.model.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.DType;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder on generated Llama and Qwen2 checkpoints.
 *
 * <p>Tolerances: the fast path against the scalar reference, 1e-4 of the largest |logit| (float
 * sums in a different order against double sums); the same path run two ways (incremental against
 * full, batched against alone), 1e-5 of the largest |logit| (the same sums, grouped differently
 * only where tiles split).
 */
class DecoderModelTest {

    private static final double REFERENCE_TOLERANCE = 1e-4;
    private static final double SAME_PATH_TOLERANCE = 1e-5;
    private static final int BLOCK_SIZE = 4; // small, so sequences span several non-adjacent blocks

    @TempDir
    static Path dir;

    static Path llama;
    static Path qwen2;

    @BeforeAll
    static void generate() throws IOException {
        llama = TinyModelGenerator.writeDecoder(dir.resolve("llama"), TinyDecoderSpec.llama().withMerges(100));
        qwen2 = TinyModelGenerator.writeDecoder(dir.resolve("qwen2"), TinyDecoderSpec.qwen2().withMerges(100));
    }

    static int[] randomTokens(long seed, int count, int vocab) {
        Random random = new Random(seed);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = random.nextInt(vocab);
        }
        return tokens;
    }

    static void assertClose(float[][] actual, float[][] expected, double relative, String what) {
        assertThat(actual.length).as(what + ": logit rows").isEqualTo(expected.length);
        double scale = 0;
        for (float[] row : expected) {
            for (float value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        assertThat(scale).as(what + ": logits are not all zero").isGreaterThan(0);
        for (int r = 0; r < expected.length; r++) {
            for (int i = 0; i < expected[r].length; i++) {
                assertThat((double) Math.abs(actual[r][i] - expected[r][i])).as("%s: row %d logit %d (%s vs %s)", what, r, i,
                        actual[r][i], expected[r][i]).isLessThanOrEqualTo(relative * scale);
            }
        }
    }

    /** A prefill of {@code tokens} in a fresh cache, with logits for every position. */
    static float[][] fullForward(DecoderModel model, int[] tokens) {
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), BLOCK_SIZE, 64)) {
            assertThat(cache.reserve(1, tokens.length)).isTrue();
            return model.forward(List.of(new SequenceChunk(1, tokens, 0, tokens.length)), cache);
        }
    }

    @Test
    void fastPathMatchesTheScalarReferenceOnLlamaAndQwen2() throws IOException {
        for (Path checkpoint : List.of(llama, qwen2)) {
            try (DecoderModel reference = DecoderModel.load(checkpoint, new ScalarDecoderOps());
                    DecoderModel fast = DecoderModel.load(checkpoint, new FastDecoderOps(2))) {
                int[] tokens = randomTokens(7, 23, fast.vocabSize());
                assertClose(fullForward(fast, tokens), fullForward(reference, tokens), REFERENCE_TOLERANCE,
                        checkpoint.getFileName().toString());
            }
        }
    }

    @Test
    void qwen2HasBiasesAndTiedEmbeddingsLlamaHasNeither() throws IOException {
        assertThat(DecoderConfig.read(qwen2).attentionBias()).isTrue();
        assertThat(DecoderConfig.read(qwen2).tieWordEmbeddings()).isTrue();
        assertThat(DecoderConfig.read(llama).attentionBias()).isFalse();
        assertThat(DecoderConfig.read(llama).tieWordEmbeddings()).isFalse();
    }

    @Test
    void decodingThroughTheCacheGivesTheLogitsOfAFullForward() throws IOException {
        for (Path checkpoint : List.of(llama, qwen2)) {
            try (DecoderModel model = DecoderModel.load(checkpoint, new FastDecoderOps(2));
                    PagedKvCache cache = new PagedKvCache(model.kvLayout(), BLOCK_SIZE, 64)) {
                int[] tokens = randomTokens(11, 19, model.vocabSize());
                float[][] full = fullForward(model, tokens);

                int prompt = 6;
                float[][] incremental = new float[tokens.length][];
                cache.reserve(9, 1); // another sequence takes a block, so this one's blocks are not adjacent
                assertThat(cache.reserve(5, prompt)).isTrue();
                float[][] prefill = model.forward(
                        List.of(new SequenceChunk(5, Arrays.copyOf(tokens, prompt), 0, prompt)), cache);
                cache.commit(5, prompt);
                System.arraycopy(prefill, 0, incremental, 0, prompt);
                for (int position = prompt; position < tokens.length; position++) {
                    cache.reserve(9, BLOCK_SIZE);
                    cache.commit(9, cache.capacity(9));
                    assertThat(cache.reserve(5, 1)).isTrue();
                    float[][] step = model.forward(
                            List.of(new SequenceChunk(5, new int[] {tokens[position]}, position, 1)), cache);
                    cache.commit(5, position + 1);
                    incremental[position] = step[0];
                }
                assertClose(incremental, full, SAME_PATH_TOLERANCE, checkpoint.getFileName().toString());
            }
        }
    }

    @Test
    void aBatchOfPrefillAndDecodeChunksGivesTheLogitsOfEachAlone() throws IOException {
        try (DecoderModel model = DecoderModel.load(qwen2, new FastDecoderOps(2));
                PagedKvCache cache = new PagedKvCache(model.kvLayout(), BLOCK_SIZE, 64)) {
            int vocab = model.vocabSize();
            int[] a = randomTokens(1, 9, vocab); // prefilled in the batch
            int[] b = randomTokens(2, 6, vocab); // decoding its 6th token in the batch
            int[] c = randomTokens(3, 11, vocab); // verifying 3 tokens after 8 in the batch
            for (long id : new long[] {2, 3}) {
                int[] tokens = id == 2 ? b : c;
                int prefix = id == 2 ? 5 : 8;
                cache.reserve(id, prefix);
                model.forward(List.of(new SequenceChunk(id, Arrays.copyOf(tokens, prefix), 0, 1)), cache);
                cache.commit(id, prefix);
            }
            cache.reserve(1, a.length);
            cache.reserve(2, 1);
            cache.reserve(3, 3);
            float[][] batched = model.forward(List.of(
                    new SequenceChunk(2, new int[] {b[5]}, 5, 1),
                    new SequenceChunk(1, a, 0, 1),
                    new SequenceChunk(3, Arrays.copyOfRange(c, 8, 11), 8, 3)), cache);

            assertThat(batched).hasNumberOfRows(5);
            float[][] aloneA = fullForward(model, a);
            float[][] aloneB = fullForward(model, b);
            float[][] aloneC = fullForward(model, c);
            float[][] expected = {aloneB[5], aloneA[8], aloneC[8], aloneC[9], aloneC[10]};
            assertClose(batched, expected, SAME_PATH_TOLERANCE, "batched");
        }
    }

    @Test
    void groupedQueryAttentionEqualsFullAttentionWithSharedKeyValueHeads() throws IOException {
        try (CheckpointWeights weights = CheckpointWeights.open(llama)) {
            DecoderConfig grouped = DecoderConfig.read(llama);
            assertThat(grouped.numKeyValueHeads()).isLessThan(grouped.numAttentionHeads());
            DecoderConfig full = new DecoderConfig(grouped.modelType(), grouped.vocabSize(), grouped.hiddenSize(),
                    grouped.intermediateSize(), grouped.numHiddenLayers(), grouped.numAttentionHeads(),
                    grouped.numAttentionHeads(), grouped.headDim(), grouped.maxPositionEmbeddings(),
                    grouped.rmsNormEps(), grouped.ropeTheta(), grouped.ropeScaling(), grouped.tieWordEmbeddings(),
                    grouped.attentionBias(), grouped.bosTokenId(), grouped.eosTokenIds());
            ExpandedKeyValueHeads expanded = new ExpandedKeyValueHeads(weights, grouped);
            try (DecoderModel gqa = new DecoderModel(grouped, weights, new ScalarDecoderOps());
                    DecoderModel mha = new DecoderModel(full, expanded, new ScalarDecoderOps())) {
                int[] tokens = randomTokens(5, 13, gqa.vocabSize());
                assertClose(fullForward(gqa, tokens), fullForward(mha, tokens), 1e-9, "grouped vs full heads");
            }
        }
    }

    @Test
    void multiQueryAttentionAndLlama3RopeScalingAgreeBetweenPaths() throws IOException {
        TinyDecoderSpec spec = TinyDecoderSpec.llama().withMerges(50).withSizes(64, 2, 4, 1, 96)
                .withRopeScaling(new RopeScaling("llama3", 8, 1, 4, 16)).withSeed(3).withDtype(DType.BF16);
        Path checkpoint = TinyModelGenerator.writeDecoder(dir.resolve("llama-mqa"), spec);
        try (DecoderModel reference = DecoderModel.load(checkpoint, new ScalarDecoderOps());
                DecoderModel fast = DecoderModel.load(checkpoint, new FastDecoderOps(2))) {
            assertThat(fast.config().ropeScaling().type()).isEqualTo("llama3");
            int[] tokens = randomTokens(9, 40, fast.vocabSize());
            assertClose(fullForward(fast, tokens), fullForward(reference, tokens), REFERENCE_TOLERANCE, "mqa llama3");
        }
    }

    @Test
    void aLaterTokenChangesNoEarlierLogitsButItsOwn() throws IOException {
        try (DecoderModel model = DecoderModel.load(llama, new ScalarDecoderOps())) {
            int[] tokens = randomTokens(13, 8, model.vocabSize());
            int[] changed = tokens.clone();
            changed[5] = (changed[5] + 1) % model.vocabSize();
            float[][] before = fullForward(model, tokens);
            float[][] after = fullForward(model, changed);
            assertClose(Arrays.copyOf(after, 5), Arrays.copyOf(before, 5), 0, "positions before the change");
            assertThat(after[5]).isNotEqualTo(before[5]);
            assertThat(after[7]).isNotEqualTo(before[7]);
        }
    }

    @Test
    void rejectsChunksPastTheReservedCapacityAndRepeatedSequencesWithoutWriting() throws IOException {
        try (DecoderModel model = DecoderModel.load(llama, new ScalarDecoderOps());
                PagedKvCache cache = new PagedKvCache(model.kvLayout(), BLOCK_SIZE, 8)) {
            cache.reserve(1, 3);
            assertThatThrownBy(() -> model.forward(List.of(new SequenceChunk(1, new int[5], 0, 1)), cache))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserved capacity 4");
            assertThatThrownBy(() -> model.forward(List.of(new SequenceChunk(1, new int[1], 0, 1),
                    new SequenceChunk(1, new int[1], 1, 1)), cache))
                    .hasMessageContaining("sequence 1 appears twice");
            assertThatThrownBy(() -> model.forward(List.of(new SequenceChunk(1, new int[] {model.vocabSize()}, 0, 1)),
                    cache)).hasMessageContaining("token id " + model.vocabSize());
            assertThatThrownBy(() -> model.forward(List.of(new SequenceChunk(1, new int[1], 2, 1)), cache))
                    .hasMessageContaining("expected at most its cached length 0");
        }
    }

    @Test
    void aLoadThatFailsClosesTheOpsItWasGiven(@TempDir Path empty) {
        AtomicBoolean closed = new AtomicBoolean();
        DecoderOps ops = (DecoderOps) Proxy.newProxyInstance(DecoderOps.class.getClassLoader(),
                new Class<?>[] {DecoderOps.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("close")) {
                        closed.set(true);
                    }
                    return null;
                });

        assertThatThrownBy(() -> DecoderModel.load(empty, ops)).isInstanceOf(IOException.class)
                .hasMessageContaining("config.json");
        assertThat(closed).as("the ops' threads are not left running").isTrue();
    }
}
