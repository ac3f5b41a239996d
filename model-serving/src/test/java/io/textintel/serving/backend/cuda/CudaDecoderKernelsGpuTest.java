package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.PagedAttentionLauncher.DecodeWorkspace;
import io.textintel.serving.backend.cuda.SamplingLauncher.SequenceParams;
import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderBatch;
import io.textintel.serving.model.decoder.RotaryEmbedding;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.SpeculativeVerifier;
import io.textintel.serving.spec.Verification;
import io.textintel.serving.weights.BFloat16;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The decoder's kernels ({@code rotary}, {@code paged_attention}, {@code sampling}) on a real
 * device against the CPU decoder, following {@code src/main/cuda/DECODER_KERNELS.md}'s plan.
 * Tolerances: "fp32 tol" 1e-5 relative + 1e-6 absolute (the f32 cache: only summation order
 * differs from {@link ScalarDecoderOps}'s double accumulation); "bf16 tol" 1e-2 relative + 1e-3
 * absolute (the bf16 cache, against the reference reading the same bf16-rounded values); rotary
 * within 4 ulp of 1.0 absolute on inputs in [-1, 1) (equal but for cos / sin rounding); KV writes,
 * suppression, argmax and greedy verification exact; probabilities within 1e-5 absolute; sampled
 * tokens and verifications equal in at least 99.9% of rows (they differ only at draws within float
 * rounding of a cumulative boundary). The rotary and attention tests run all their cases and fail
 * with every failing case's numbers ({@link KernelComparison}). Needs a CUDA device; skipped, saying
 * why, without one.
 */
@Tag("gpu")
class CudaDecoderKernelsGpuTest {

    private static final double FP32_RELATIVE = 1e-5;
    private static final double FP32_ABSOLUTE = 1e-6;
    private static final double BF16_RELATIVE = 1e-2;
    private static final double BF16_ABSOLUTE = 1e-3;

    private static CudaBackend backend;
    private CUstream stream;
    private final List<CUdeviceptr> allocations = new ArrayList<>();

    @BeforeAll
    static void openDevice() {
        if (CudaAvailability.probe().available()) {
            backend = CudaBackend.open(0, new DeviceWeights<>(
                    pointer -> CudaCheck.check(cuMemFree(pointer), "cuMemFree(weights)")), false);
        }
    }

    @AfterAll
    static void closeDevice() {
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void requireDevice() {
        assumeTrue(backend != null, "no CUDA device: " + CudaAvailability.probe().reason());
        backend.device().makeCurrent();
        stream = new CUstream();
        CudaCheck.check(cuStreamCreate(stream, 0), "cuStreamCreate");
    }

    @AfterEach
    void free() {
        for (CUdeviceptr pointer : allocations) {
            CudaCheck.check(cuMemFree(pointer), "cuMemFree");
        }
        allocations.clear();
        if (stream != null) {
            CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy");
        }
    }

    // ---------------------------------------------------------------- rotary

    @Test
    void rotaryMatchesRotaryEmbeddingUnderEveryScaling() {
        RopeScaling[] scalings = {null, new RopeScaling("linear", 4.0, 0, 0, 4096),
            new RopeScaling("dynamic", 2.0, 0, 0, 4096), new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192),
            new RopeScaling("yarn", 4.0, 0, 0, 4096)};
        int[] positions = {0, 1, 4095, 131_071, 17, 4096, 5000, 100_000};
        KernelComparison.Failures failures = new KernelComparison.Failures();
        try (CudaModule module = CudaModule.load(RotaryLauncher.FAMILY, stream)) {
            RotaryLauncher launcher = new RotaryLauncher(module);
            for (RopeScaling scaling : scalings) {
                for (int headDim : new int[] {64, 128, 256}) {
                    int heads = 4;
                    int kvHeads = 2;
                    RotaryEmbedding rotary = new RotaryEmbedding(headDim, 1_000_000.0, scaling);
                    SplittableRandom random = new SplittableRandom(headDim);
                    int tokens = positions.length;
                    float[] q = uniform(random, tokens * heads * headDim, 1);
                    float[] k = uniform(random, tokens * kvHeads * headDim, 1);
                    // two chunks of different lengths (dynamic NTK: one within the trained context, one past it)
                    int[] chunkOfToken = {0, 0, 0, 1, 0, 1, 1, 1};
                    double[][] frequencies = {rotary.inverseFrequencies(4096), rotary.inverseFrequencies(131_072)};
                    float[] expectedQ = q.clone();
                    float[] expectedK = k.clone();
                    for (int t = 0; t < tokens; t++) {
                        double[] f = frequencies[chunkOfToken[t]];
                        rotary.rotate(expectedQ, t * heads * headDim, heads, positions[t], f);
                        rotary.rotate(expectedK, t * kvHeads * headDim, kvHeads, positions[t], f);
                    }
                    DeviceTensor dq = floats(q, tokens, heads * headDim);
                    DeviceTensor dk = floats(k, tokens, kvHeads * headDim);
                    double[] flat = new double[2 * headDim / 2];
                    System.arraycopy(frequencies[0], 0, flat, 0, headDim / 2);
                    System.arraycopy(frequencies[1], 0, flat, headDim / 2, headDim / 2);
                    launcher.rotate(dq, dk, ints(positions, tokens), ints(chunkOfToken, tokens),
                            doubles(flat, 2, headDim / 2), heads, kvHeads, rotary.attentionFactor());
                    double tolerance = 4 * Math.ulp(1.0f);
                    String what = "rotary " + (scaling == null ? "none" : scaling.type()) + ", head dim " + headDim;
                    KernelComparison cq = KernelComparison.of(readFloats(dq), expectedQ, heads * headDim);
                    failures.requireAtMost(what + ", q", cq.maxAbsError(), tolerance, cq);
                    KernelComparison ck = KernelComparison.of(readFloats(dk), expectedK, kvHeads * headDim);
                    failures.requireAtMost(what + ", k", ck.maxAbsError(), tolerance, ck);
                }
            }
        }
        failures.assertNone();
    }

    // ---------------------------------------------------------------- KV write

    @Test
    void kvWriteStoresRowsInTheirSlotsExactlyAndSkipsPadding() {
        int numBlocks = 6;
        int blockSize = 16;
        int kvHeads = 2;
        int headDim = 64;
        int width = kvHeads * headDim;
        int cacheElements = numBlocks * blockSize * width;
        SplittableRandom random = new SplittableRandom(3);
        int[] slots = {0, 15, 16, 40, -1, 95}; // last of block 0, first of block 1, a padding token, the last slot
        int tokens = slots.length;
        float[] k = uniform(random, tokens * width, 1);
        float[] v = uniform(random, tokens * width, 1);
        float[] before = uniform(random, cacheElements, 1);
        try (CudaModule module = CudaModule.load(PagedAttentionLauncher.FAMILY, stream)) {
            PagedAttentionLauncher launcher = new PagedAttentionLauncher(module);
            // as DecoderModel#forward: System.arraycopy of each row to its slot
            float[] expectedK = before.clone();
            float[] expectedV = before.clone();
            for (int t = 0; t < tokens; t++) {
                if (slots[t] >= 0) {
                    System.arraycopy(k, t * width, expectedK, slots[t] * width, width);
                    System.arraycopy(v, t * width, expectedV, slots[t] * width, width);
                }
            }
            DeviceTensor kCache = floats(before, numBlocks, blockSize, kvHeads, headDim);
            DeviceTensor vCache = floats(before, numBlocks, blockSize, kvHeads, headDim);
            launcher.writeKv(floats(k, tokens, width), floats(v, tokens, width), ints(slots, tokens), kCache, vCache);
            assertThat(readFloats(kCache)).as("f32 key cache").containsExactly(expectedK);
            assertThat(readFloats(vCache)).as("f32 value cache").containsExactly(expectedV);

            DeviceTensor kBf16 = bf16(before, numBlocks, blockSize, kvHeads, headDim);
            DeviceTensor vBf16 = bf16(before, numBlocks, blockSize, kvHeads, headDim);
            launcher.writeKv(floats(k, tokens, width), floats(v, tokens, width), ints(slots, tokens), kBf16, vBf16);
            assertThat(readShorts(kBf16)).as("bf16 key cache: round to nearest even").containsExactly(toBf16(expectedK));
            assertThat(readShorts(vBf16)).as("bf16 value cache").containsExactly(toBf16(expectedV));
        }
    }

    // ---------------------------------------------------------------- attention

    /**
     * Sequences in a paged cache with random keys and values at every position (those of the pass
     * included, as if written already), capacity for {@code lengths[s]} positions and
     * {@code cached[s]} of them committed; blocks are taken in turns, so block tables are not contiguous.
     */
    private static PagedKvCache randomCache(int kvHeads, int headDim, int blockSize, int[] lengths, int[] cached,
            boolean bf16, long seed) {
        int blocks = 0;
        for (int length : lengths) {
            blocks += (length + blockSize - 1) / blockSize;
        }
        PagedKvCache cache = new PagedKvCache(new KvLayout(1, kvHeads, headDim), blockSize, blocks);
        int longest = Arrays.stream(lengths).max().orElse(0);
        int[] committed = new int[lengths.length];
        for (int reserved = 0; reserved < longest; reserved += blockSize) {
            for (int s = 0; s < lengths.length; s++) {
                if (reserved < lengths[s]) {
                    int capacity = Math.min(reserved + blockSize, lengths[s]);
                    assertThat(cache.reserve(s, capacity - committed[s])).isTrue();
                    committed[s] = Math.min(capacity, cached[s]);
                    cache.commit(s, committed[s]);
                }
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (float[] storage : new float[][] {cache.keys(0), cache.values(0)}) {
            for (int i = 0; i < storage.length; i++) {
                float value = (float) (random.nextDouble() * 2 - 1);
                storage[i] = bf16 ? BFloat16.toFloat(BFloat16.fromFloat(value)) : value;
            }
        }
        return cache;
    }

    private int[] paddedTables(PagedKvCache cache, long[] sequences, int stride) {
        int[] tables = new int[sequences.length * stride];
        for (int s = 0; s < sequences.length; s++) {
            int[] table = cache.blockTable(sequences[s]);
            System.arraycopy(table, 0, tables, s * stride, table.length);
        }
        return tables;
    }

    private DeviceTensor cacheTensor(float[] storage, PagedKvCache cache, boolean bf16) {
        int[] shape = {cache.numBlocks(), cache.blockSize(), cache.layout().kvHeads(), cache.layout().headDim()};
        return bf16 ? bf16(storage, shape) : floats(storage, shape);
    }

    @Test
    void prefillMatchesTheScalarReferenceOnRaggedChunks() {
        int[] chunkTokens = {1, 17, 100, 300};
        int[] cachedPrefix = {0, 5, 0, 40}; // chunks starting at 0 and after a cached prefix
        KernelComparison.Failures failures = new KernelComparison.Failures();
        try (CudaModule module = CudaModule.load(PagedAttentionLauncher.FAMILY, stream)) {
            PagedAttentionLauncher launcher = new PagedAttentionLauncher(module);
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int[] config : new int[][] {{1, 4, 64}, {16, 4, 128}, {32, 8, 64}, {16, 7, 64}, {16, 16, 64},
                    {16, 4, 256}}) {
                    int blockSize = config[0];
                    int group = config[1];
                    int headDim = config[2];
                    int kvHeads = 2;
                    int heads = kvHeads * group;
                    int[] lengths = new int[chunkTokens.length];
                    for (int c = 0; c < lengths.length; c++) {
                        lengths[c] = cachedPrefix[c] + chunkTokens[c];
                    }
                    PagedKvCache cache = randomCache(kvHeads, headDim, blockSize, lengths, cachedPrefix, bf16,
                            headDim + group);
                    List<SequenceChunk> chunks = new ArrayList<>();
                    int tokens = 0;
                    for (int c = 0; c < lengths.length; c++) {
                        chunks.add(new SequenceChunk(c, new int[chunkTokens[c]], cachedPrefix[c], 1));
                        tokens += chunkTokens[c];
                    }
                    RotaryEmbedding rotary = new RotaryEmbedding(headDim, 10_000.0, null);
                    DecoderBatch batch = DecoderBatch.plan(chunks, cache, 1, 1 << 20, rotary);
                    float[] q = uniform(new SplittableRandom(tokens), tokens * heads * headDim, 1);
                    float[] expected = new float[q.length];
                    new ScalarDecoderOps().attention(batch, q, heads, cache, 0, expected);

                    int stride = Arrays.stream(lengths).map(l -> (l + blockSize - 1) / blockSize).max().getAsInt();
                    int[] tokenStart = new int[chunkTokens.length + 1];
                    for (int c = 0; c < chunkTokens.length; c++) {
                        tokenStart[c + 1] = tokenStart[c] + chunkTokens[c];
                    }
                    DeviceTensor out = floats(new float[q.length], tokens, heads * headDim);
                    launcher.prefill(floats(q, tokens, heads * headDim), cacheTensor(cache.keys(0), cache, bf16),
                            cacheTensor(cache.values(0), cache, bf16),
                            ints(paddedTables(cache, new long[] {0, 1, 2, 3}, stride), 4, stride),
                            ints(tokenStart, chunkTokens.length + 1), ints(cachedPrefix, chunkTokens.length), 300, heads,
                            out);
                    assertClose(failures, readFloats(out), expected, bf16, "prefill " + (bf16 ? "bf16" : "f32")
                            + ", block size " + blockSize + ", group " + group + ", head dim " + headDim);
                }
            }
        }
        failures.assertNone();
    }

    @Test
    void splitKDecodeMatchesTheScalarReferenceAndTheUnsplitKernel() {
        int[] contexts = {1, 17, 512, 513, 4097, 16_384, 1025}; // 1025: a last partition of one key
        long[] sequences = {0, 1, 2, 3, 4, 5, 6};
        int maxContext = 16_384;
        KernelComparison.Failures failures = new KernelComparison.Failures();
        try (CudaModule module = CudaModule.load(PagedAttentionLauncher.FAMILY, stream)) {
            PagedAttentionLauncher launcher = new PagedAttentionLauncher(module);
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int group : new int[] {1, 4, 8, 16}) {
                    int kvHeads = 2;
                    int headDim = 128;
                    int blockSize = 16;
                    int heads = kvHeads * group;
                    int seqs = contexts.length;
                    int[] cached = Arrays.stream(contexts).map(c -> c - 1).toArray(); // the decode token's own key:
                    PagedKvCache cache = randomCache(kvHeads, headDim, blockSize, contexts, cached, bf16, group);
                    List<SequenceChunk> chunks = new ArrayList<>();
                    for (int s = 0; s < seqs; s++) { // in the cache already, as after the write kernel
                        chunks.add(new SequenceChunk(s, new int[1], contexts[s] - 1, 1));
                    }
                    DecoderBatch batch = DecoderBatch.plan(chunks, cache, 1, 1 << 20,
                            new RotaryEmbedding(headDim, 10_000.0, null));
                    float[] q = uniform(new SplittableRandom(group), seqs * heads * headDim, 1);
                    float[] expected = new float[q.length];
                    new ScalarDecoderOps().attention(batch, q, heads, cache, 0, expected);

                    int stride = maxContext / blockSize;
                    DeviceTensor dq = floats(q, seqs, heads * headDim);
                    DeviceTensor kCache = cacheTensor(cache.keys(0), cache, bf16);
                    DeviceTensor vCache = cacheTensor(cache.values(0), cache, bf16);
                    DeviceTensor tables = ints(paddedTables(cache, sequences, stride), seqs, stride);
                    DeviceTensor lens = ints(contexts, seqs);
                    String what = "decode " + (bf16 ? "bf16" : "f32") + ", group " + group;
                    for (int partitionSize : new int[] {512, maxContext}) {
                        int partitions = PagedAttentionLauncher.partitions(maxContext, partitionSize);
                        DecodeWorkspace workspace = partitions == 1 ? null : new DecodeWorkspace(
                                floats(new float[seqs * heads * partitions * headDim], seqs, heads, partitions, headDim),
                                floats(new float[seqs * heads * partitions], seqs, heads, partitions),
                                floats(new float[seqs * heads * partitions], seqs, heads, partitions));
                        DeviceTensor out = floats(new float[q.length], seqs, heads * headDim);
                        launcher.decode(dq, kCache, vCache, tables, lens, maxContext, partitionSize, heads, workspace,
                                out);
                        assertClose(failures, readFloats(out), expected, bf16, what + ", partitions of "
                                + partitionSize);
                    }
                }
            }
        }
        failures.assertNone();
    }

    /** Every element within absolute + relative * |expected|; a failure names the first and the worst element. */
    private static void assertClose(KernelComparison.Failures failures, float[] actual, float[] expected, boolean bf16,
            String what) {
        double relative = bf16 ? BF16_RELATIVE : FP32_RELATIVE;
        double absolute = bf16 ? BF16_ABSOLUTE : FP32_ABSOLUTE;
        int beyond = 0;
        int first = -1;
        for (int i = 0; i < expected.length; i++) {
            double allowed = absolute + relative * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= allowed)) {
                beyond++;
                first = first < 0 ? i : first;
            }
        }
        String numbers = beyond == 0 ? "" : String.format("%d of %d elements beyond %s + %s * |expected|, the first"
                + " [%d] (got %s, expected %s); %s", beyond, expected.length, absolute, relative, first, actual[first],
                expected[first], KernelComparison.of(actual, expected));
        failures.require(what, beyond == 0, numbers);
    }

    // ---------------------------------------------------------------- sampling

    @Test
    void suppressAndArgmaxMatchTheSampler() {
        int vocab = 151_936;
        int rows = 6;
        SplittableRandom random = new SplittableRandom(5);
        float[] logits = uniform(random, rows * vocab, 8);
        // row 0: ties at 5 and 150000 (lowest wins); row 1: -0.0 vs +0.0 as the maximum; row 2: -Inf but one id
        Arrays.fill(logits, 0, vocab, -1f);
        logits[5] = 3f;
        logits[150_000] = 3f;
        Arrays.fill(logits, vocab, 2 * vocab, -5f);
        logits[vocab + 9] = -0.0f; // equal to +0.0 as Java compares floats: the lower id wins
        logits[vocab + 10] = 0.0f;
        Arrays.fill(logits, 2 * vocab, 3 * vocab, Float.NEGATIVE_INFINITY);
        logits[2 * vocab + 77_777] = -100f;
        List<List<Integer>> lists = List.of(List.of(3, 7, vocab + 5, 150_001), List.of(), List.of(100));
        int[] rowList = {0, -1, 2, 0, 1, 2}; // shared lists, an empty one, a row without
        int[] offsets = {0, 4, 4, 5};
        int[] ids = {3, 7, vocab + 5, 150_001, 100};
        try (CudaModule module = CudaModule.load(SamplingLauncher.FAMILY, stream)) {
            SamplingLauncher launcher = new SamplingLauncher(module);
            DeviceTensor d = floats(logits, rows, vocab);
            launcher.suppress(d, ints(rowList, rows), ints(offsets, 4), ints(ids, ids.length));
            float[] suppressed = readFloats(d);
            int[] expectedTokens = new int[rows];
            for (int r = 0; r < rows; r++) {
                float[] row = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
                float[] expected = rowList[r] < 0 ? row : Sampler.suppress(row, lists.get(rowList[r]));
                assertThat(Arrays.copyOfRange(suppressed, r * vocab, (r + 1) * vocab)).as("suppressed row %s", r)
                        .containsExactly(expected);
                expectedTokens[r] = Sampler.argmax(expected);
            }
            DeviceTensor tokens = ints(new int[rows], rows);
            launcher.argmax(d, tokens);
            assertThat(readInts(tokens)).containsExactly(expectedTokens);
            assertThat(expectedTokens[0]).isEqualTo(5);
            assertThat(expectedTokens[1]).isEqualTo(9);

            for (int small : new int[] {1, 1000, 1023, 1025, 4097}) { // vocab below and not a multiple of 1024
                float[] row = uniform(new SplittableRandom(small), 3 * small, 8);
                DeviceTensor t = ints(new int[3], 3);
                launcher.argmax(floats(row, 3, small), t);
                int[] expected = new int[3];
                for (int r = 0; r < 3; r++) {
                    expected[r] = Sampler.argmax(Arrays.copyOfRange(row, r * small, (r + 1) * small));
                }
                assertThat(readInts(t)).as("argmax over %s ids", small).containsExactly(expected);
            }
        }
    }

    /** Per row: temperature, topK, topP; covering greedy, top-k, top-p, both, ties at the cut and flat rows. */
    private static final float[][] SAMPLING_CASES = {{0f, 0, 1f}, {0.7f, 0, 1f}, {1.5f, 0, 1f}, {1f, 1, 1f},
        {1f, 50, 1f}, {1f, 1000, 1f}, {1f, 5000, 1f}, {0.7f, 0, 0.9f}, {1f, 0, 1e-7f}, {1f, 50, 0.9f},
        {1.5f, 40, 0.5f}};

    @Test
    void samplingRowsMatchTheSamplersDistributionAndDraws() {
        int vocab = 1000;
        int rows = SAMPLING_CASES.length * 2;
        SplittableRandom random = new SplittableRandom(9);
        float[] logits = uniform(random, rows * vocab, 8);
        for (int r = SAMPLING_CASES.length; r < rows; r++) { // second copy: ties at the top-k cut, masked and flat
            for (int i = 0; i < vocab; i++) {
                logits[r * vocab + i] = i % 100 == 7 ? Float.NEGATIVE_INFINITY : (float) Math.floor(logits[r * vocab + i]);
            }
        }
        Arrays.fill(logits, (rows - 1) * vocab, rows * vocab, 0.5f); // flat
        float[] temperature = new float[rows];
        int[] topK = new int[rows];
        float[] topP = new float[rows];
        long[] seeds = new long[rows];
        SamplingParams[] params = new SamplingParams[rows];
        for (int r = 0; r < rows; r++) {
            float[] c = SAMPLING_CASES[r % SAMPLING_CASES.length];
            temperature[r] = c[0];
            topK[r] = (int) c[1];
            topP[r] = c[2];
            seeds[r] = 1000 + r;
            params[r] = new SamplingParams(c[0], (int) c[1], c[2], seeds[r], 10, List.of());
        }
        try (CudaModule module = CudaModule.load(SamplingLauncher.FAMILY, stream)) {
            SamplingLauncher launcher = new SamplingLauncher(module);
            DeviceTensor d = floats(logits, rows, vocab);
            DeviceTensor probs = floats(new float[rows * vocab], rows, vocab);
            SequenceParams device = new SequenceParams(floats(temperature, rows), ints(topK, rows),
                    floats(topP, rows), longs(seeds, rows), longs(new long[rows], rows));
            launcher.sample(d, null, device, probs, null);
            float[] actual = readFloats(probs);
            for (int r = 0; r < rows; r++) {
                float[] expected = Sampler.distribution(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab),
                        params[r]);
                for (int i = 0; i < vocab; i++) {
                    float a = actual[r * vocab + i];
                    assertThat((double) Math.abs(a - expected[i])).as("row %s (%s), probability of %s", r,
                            Arrays.toString(SAMPLING_CASES[r % SAMPLING_CASES.length]), i).isLessThanOrEqualTo(1e-5);
                    assertThat(a > 0).as("row %s: id %s kept", r, i).isEqualTo(expected[i] > 0);
                }
            }
            assertThat(readLongs(device.counters())).as("counters after probabilities only").containsOnly(0L);

            // tokens: 10,000 rows (each its own sequence) of the cases' parameters at advanced counters
            int many = 10_000;
            float[] manyLogits = new float[many * vocab];
            float[] manyT = new float[many];
            int[] manyK = new int[many];
            float[] manyP = new float[many];
            long[] manySeeds = new long[many];
            long[] counters = new long[many];
            for (int r = 0; r < many; r++) {
                System.arraycopy(logits, (r % rows) * vocab, manyLogits, r * vocab, vocab);
                manyT[r] = temperature[r % rows];
                manyK[r] = topK[r % rows];
                manyP[r] = topP[r % rows];
                manySeeds[r] = r * 31L + 7;
                counters[r] = r % 5;
            }
            SequenceParams manyParams = new SequenceParams(floats(manyT, many), ints(manyK, many),
                    floats(manyP, many), longs(manySeeds, many), longs(counters, many));
            DeviceTensor tokens = ints(new int[many], many);
            launcher.sample(floats(manyLogits, many, vocab), null, manyParams, null, tokens);
            int[] drawn = readInts(tokens);
            long[] advanced = readLongs(manyParams.counters());
            int equal = 0;
            for (int r = 0; r < many; r++) {
                SequenceRandom cpu = new SequenceRandom(manySeeds[r]);
                for (long i = 0; i < counters[r]; i++) {
                    cpu.nextUniform();
                }
                int expected = Sampler.sample(Arrays.copyOfRange(manyLogits, r * vocab, (r + 1) * vocab),
                        params[r % rows], cpu);
                equal += drawn[r] == expected ? 1 : 0;
                assertThat(advanced[r]).as("counter of row %s", r).isEqualTo(cpu.draws());
                if (manyT[r] == 0f) {
                    assertThat(drawn[r]).as("greedy row %s", r).isEqualTo(expected);
                }
            }
            assertThat(equal).as("sampled tokens equal to the CPU's of %s", many).isGreaterThanOrEqualTo(9_990);
        }
    }

    // ---------------------------------------------------------------- speculative verification

    @Test
    void speculativeVerifyMatchesTheVerifier() {
        int vocab = 500;
        int draftVocab = 400; // shorter than the target's
        int seqs = 10_000;
        SplittableRandom random = new SplittableRandom(21);
        int[] draftLengths = {0, 1, 4, 8};
        List<int[]> drafts = new ArrayList<>();
        List<float[][]> targetLogits = new ArrayList<>();
        List<float[][]> draftDistributions = new ArrayList<>();
        boolean[] finishing = new boolean[seqs];
        float[] temperature = new float[seqs];
        long[] seeds = new long[seqs];
        int[] targetRowStart = new int[seqs + 1];
        int[] draftStart = new int[seqs + 1];
        for (int s = 0; s < seqs; s++) {
            int k = draftLengths[s % draftLengths.length];
            finishing[s] = k > 0 && s % 7 == 3;
            temperature[s] = s % 3 == 0 ? 0f : 0.8f; // mixed greedy and sampled in one launch
            seeds[s] = 77L * s;
            int rows = finishing[s] ? k : k + 1;
            float[][] target = new float[rows][];
            for (int r = 0; r < rows; r++) {
                target[r] = uniform(random, vocab, 4);
            }
            float[][] q = new float[k][];
            int[] tokens = new int[k];
            for (int i = 0; i < k; i++) {
                // a draft that usually agrees with the target (all accepted, bonus) and sometimes not
                q[i] = softmax(uniform(random, draftVocab, 4));
                tokens[i] = s % 5 == 0 && i < target.length ? Sampler.argmax(Arrays.copyOf(target[i], draftVocab))
                        : Sampler.inverseCdf(q[i], random.nextDouble());
            }
            drafts.add(tokens);
            targetLogits.add(target);
            draftDistributions.add(q);
            targetRowStart[s + 1] = targetRowStart[s] + rows;
            draftStart[s + 1] = draftStart[s] + k;
        }
        int targetRows = targetRowStart[seqs];
        int draftCount = draftStart[seqs];
        float[] allLogits = new float[targetRows * vocab];
        float[] allQ = new float[draftCount * draftVocab];
        int[] allDrafts = new int[draftCount];
        int[] rowSequence = new int[targetRows];
        for (int s = 0; s < seqs; s++) {
            for (int r = 0; r < targetLogits.get(s).length; r++) {
                System.arraycopy(targetLogits.get(s)[r], 0, allLogits, (targetRowStart[s] + r) * vocab, vocab);
                rowSequence[targetRowStart[s] + r] = s;
            }
            for (int i = 0; i < drafts.get(s).length; i++) {
                allDrafts[draftStart[s] + i] = drafts.get(s)[i];
                System.arraycopy(draftDistributions.get(s)[i], 0, allQ, (draftStart[s] + i) * draftVocab, draftVocab);
            }
        }
        try (CudaModule module = CudaModule.load(SamplingLauncher.FAMILY, stream)) {
            SamplingLauncher launcher = new SamplingLauncher(module);
            for (boolean drawnQ : new boolean[] {false, true}) {
                SequenceParams params = new SequenceParams(floats(temperature, seqs), ints(new int[seqs], seqs),
                        floats(filled(seqs, 1f), seqs), longs(seeds, seqs), longs(new long[seqs], seqs));
                DeviceTensor logits = floats(allLogits, targetRows, vocab);
                DeviceTensor argmax = ints(new int[targetRows], targetRows);
                DeviceTensor probs = floats(new float[targetRows * vocab], targetRows, vocab);
                launcher.argmax(logits, argmax);
                launcher.sample(logits, ints(rowSequence, targetRows), params, probs, null);
                DeviceTensor accepted = ints(new int[seqs], seqs);
                DeviceTensor next = ints(new int[seqs], seqs);
                launcher.verify(ints(targetRowStart, seqs + 1), ints(draftStart, seqs + 1),
                        ints(allDrafts, draftCount), argmax, probs,
                        drawnQ ? floats(allQ, draftCount, draftVocab) : null, vocab, params, accepted, next);
                int[] gotAccepted = readInts(accepted);
                int[] gotNext = readInts(next);
                long[] gotCounters = readLongs(params.counters());
                SamplingLauncher.requireVerified(gotAccepted);
                int equal = 0;
                for (int s = 0; s < seqs; s++) {
                    SamplingParams sp = new SamplingParams(temperature[s], 0, 1f, seeds[s], 10, List.of());
                    Proposal proposal = drawnQ ? new Proposal(drafts.get(s), draftDistributions.get(s))
                            : Proposal.deterministic(drafts.get(s));
                    SequenceRandom cpu = new SequenceRandom(seeds[s]);
                    Verification expected = finishing[s]
                            ? SpeculativeVerifier.verifyFinishing(proposal, targetLogits.get(s), sp, cpu)
                            : SpeculativeVerifier.verify(proposal, targetLogits.get(s), sp, cpu);
                    boolean same = gotAccepted[s] == expected.accepted() && gotNext[s] == expected.nextToken();
                    if (temperature[s] == 0f) {
                        assertThat(new int[] {gotAccepted[s], gotNext[s]}).as("greedy sequence %s", s)
                                .containsExactly(expected.accepted(), expected.nextToken());
                    }
                    equal += same ? 1 : 0;
                    if (same) {
                        assertThat(gotCounters[s]).as("counter of sequence %s", s).isEqualTo(cpu.draws());
                    }
                }
                assertThat(equal).as("verifications equal to the CPU's, draft q %s", drawnQ ? "drawn" : "one-hot")
                        .isGreaterThanOrEqualTo(seqs - seqs / 1000);
            }

            // q(x) = 0 for a draft token: the CPU throws, the kernel marks the sequence
            int[] bad = {7};
            float[] zeroQ = new float[draftVocab];
            zeroQ[8] = 1f;
            SequenceParams one = new SequenceParams(floats(new float[] {1f}, 1), ints(new int[1], 1),
                    floats(new float[] {1f}, 1), longs(new long[] {1}, 1), longs(new long[1], 1));
            DeviceTensor accepted = ints(new int[1], 1);
            launcher.verify(ints(new int[] {0, 2}, 2), ints(new int[] {0, 1}, 2), ints(bad, 1), ints(new int[2], 2),
                    floats(softmax(new float[2 * vocab]), 2, vocab), floats(zeroQ, 1, draftVocab), vocab, one,
                    accepted, ints(new int[1], 1));
            assertThat(readInts(accepted)).containsExactly(-1);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static float[] uniform(SplittableRandom random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    private static float[] filled(int n, float value) {
        float[] values = new float[n];
        Arrays.fill(values, value);
        return values;
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double total = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            total += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (e[i] / total);
        }
        return out;
    }

    private static short[] toBf16(float[] values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = BFloat16.fromFloat(values[i]);
        }
        return bits;
    }

    private DeviceTensor upload(Pointer host, long bytes, Type type, int... shape) {
        CUdeviceptr pointer = new CUdeviceptr();
        CudaCheck.check(cuMemAlloc(pointer, Math.max(1, bytes)), "cuMemAlloc(" + bytes + ")");
        allocations.add(pointer);
        if (bytes > 0) {
            CudaCheck.check(cuMemcpyHtoD(pointer, host, bytes), "cuMemcpyHtoD");
        }
        return new DeviceTensor(pointer, type, shape);
    }

    private DeviceTensor floats(float[] values, int... shape) {
        return upload(Pointer.to(values), 4L * values.length, Type.F32, shape);
    }

    private DeviceTensor bf16(float[] values, int... shape) {
        short[] bits = toBf16(values);
        return upload(Pointer.to(bits), 2L * bits.length, Type.BF16, shape);
    }

    private DeviceTensor ints(int[] values, int... shape) {
        return upload(Pointer.to(values), 4L * values.length, Type.I32, shape);
    }

    private DeviceTensor longs(long[] values, int... shape) {
        return upload(Pointer.to(values), 8L * values.length, Type.I64, shape);
    }

    private DeviceTensor doubles(double[] values, int... shape) {
        return upload(Pointer.to(values), 8L * values.length, Type.F64, shape);
    }

    private void synchronize() {
        CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    private float[] readFloats(DeviceTensor tensor) {
        synchronize();
        float[] values = new float[(int) tensor.elements()];
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(values), (CUdeviceptr) tensor.pointer(), 4L * values.length),
                "cuMemcpyDtoH");
        return values;
    }

    private short[] readShorts(DeviceTensor tensor) {
        synchronize();
        short[] values = new short[(int) tensor.elements()];
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(values), (CUdeviceptr) tensor.pointer(), 2L * values.length),
                "cuMemcpyDtoH");
        return values;
    }

    private int[] readInts(DeviceTensor tensor) {
        synchronize();
        int[] values = new int[(int) tensor.elements()];
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(values), (CUdeviceptr) tensor.pointer(), 4L * values.length),
                "cuMemcpyDtoH");
        return values;
    }

    private long[] readLongs(DeviceTensor tensor) {
        synchronize();
        long[] values = new long[(int) tensor.elements()];
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(values), (CUdeviceptr) tensor.pointer(), 8L * values.length),
                "cuMemcpyDtoH");
        return values;
    }
}
