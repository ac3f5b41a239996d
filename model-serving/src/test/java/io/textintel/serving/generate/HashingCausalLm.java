package io.textintel.serving.generate;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake decoder whose logits are a hash of the whole context <em>as read back from the KV
 * cache</em>: each forward pass writes every new token (and its position) into the keys and values
 * of every layer, then rebuilds each wanted position's context from the cache. A position written
 * to the wrong block, overwritten by another sequence, or missing gives different logits (or an
 * exception), so cache and scheduler bugs change the generated tokens.
 */
final class HashingCausalLm implements CausalLm {

    static final KvLayout LAYOUT = new KvLayout(2, 2, 4);

    private final int vocabSize;
    private final int maxSequenceLength;
    private final long sleepNanos;
    private final int failToken;
    final AtomicInteger passes = new AtomicInteger();
    final AtomicInteger mostChunksInAPass = new AtomicInteger();
    final AtomicInteger mixedPasses = new AtomicInteger(); // passes with a prefill piece beside a 1-token decode
    final AtomicInteger partialPrefills = new AtomicInteger(); // prefill pieces short of the end

    HashingCausalLm(int vocabSize, int maxSequenceLength) {
        this(vocabSize, maxSequenceLength, 0, -1);
    }

    /**
     * @param sleepNanos time each forward pass takes
     * @param failToken a forward pass with this token in it throws; -1 for never
     */
    HashingCausalLm(int vocabSize, int maxSequenceLength, long sleepNanos, int failToken) {
        this.vocabSize = vocabSize;
        this.maxSequenceLength = maxSequenceLength;
        this.sleepNanos = sleepNanos;
        this.failToken = failToken;
    }

    @Override
    public KvLayout kvLayout() {
        return LAYOUT;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    @Override
    public float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache) {
        passes.incrementAndGet();
        mostChunksInAPass.accumulateAndGet(chunks.size(), Math::max);
        boolean decode = chunks.stream().anyMatch(c -> c.length() == 1);
        boolean prefill = chunks.stream().anyMatch(c -> c.length() > 1 && c.logitRows() == 1);
        if (decode && prefill) {
            mixedPasses.incrementAndGet();
        }
        int rows = 0;
        for (SequenceChunk chunk : chunks) {
            rows += chunk.logitRows();
            if (chunk.endPosition() > maxSequenceLength) {
                throw new IllegalArgumentException(chunk + " goes past the maximum length " + maxSequenceLength);
            }
            for (int token : chunk.tokens()) {
                if (token == failToken) {
                    throw new IllegalStateException("token " + failToken + " breaks this fake");
                }
            }
        }
        for (SequenceChunk chunk : chunks) { // write every new position first: a chunk reads its own positions
            for (int i = 0; i < chunk.length(); i++) {
                write(cache, chunk.sequenceId(), chunk.startPosition() + i, chunk.tokens()[i]);
            }
        }
        float[][] logits = new float[rows][]; // [sum of logitRows][vocab]
        int row = 0;
        for (SequenceChunk chunk : chunks) {
            for (int j = chunk.length() - chunk.logitRows(); j < chunk.length(); j++) {
                logits[row++] = logitsFor(readContext(cache, chunk.sequenceId(), chunk.startPosition() + j));
            }
        }
        sleep();
        return logits;
    }

    private static void write(PagedKvCache cache, long sequenceId, int position, int token) {
        int offset = cache.offset(sequenceId, position);
        for (int layer = 0; layer < LAYOUT.layers(); layer++) {
            float[] keys = cache.keys(layer);
            float[] values = cache.values(layer);
            for (int e = 0; e < LAYOUT.positionStride(); e++) {
                keys[offset + e] = token + 1000f * e;
                values[offset + e] = position * (layer + 1) + e;
            }
        }
    }

    /** Tokens at positions {@code 0 ..= last}, read back from the cache and checked for consistency. */
    private static int[] readContext(PagedKvCache cache, long sequenceId, int last) {
        int[] context = new int[last + 1];
        for (int position = 0; position <= last; position++) {
            int offset = cache.offset(sequenceId, position);
            int layer = position % LAYOUT.layers();
            float stored = cache.values(layer)[offset + 1];
            if (stored != position * (layer + 1) + 1) {
                throw new IllegalStateException("KV cache of sequence " + sequenceId + " holds position "
                        + stored + " data at position " + position);
            }
            context[position] = (int) cache.keys(layer)[offset];
        }
        return context;
    }

    /** The logits after {@code context}: a pure function of every token and its position. */
    float[] logitsFor(int[] context) {
        long hash = 0xCBF29CE484222325L;
        for (int token : context) {
            hash = (hash ^ token) * 0x100000001B3L;
        }
        float[] logits = new float[vocabSize];
        for (int v = 0; v < vocabSize; v++) {
            long z = (hash + v) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 29)) * 0xBF58476D1CE4E5B9L;
            logits[v] = (float) ((z >>> 40) / (double) (1 << 24) * 8.0);
        }
        return logits;
    }

    /** What generation must give, computed without a cache or a scheduler: one token at a time. */
    GenerationResultTokens reference(int[] prompt, SamplingParams params) {
        int[] context = Arrays.copyOf(prompt, prompt.length);
        SequenceRandom random = new SequenceRandom(params.seed());
        int generated = 0;
        while (true) {
            int token = Sampler.sample(logitsFor(context), params, random);
            context = Arrays.copyOf(context, context.length + 1);
            context[context.length - 1] = token;
            generated++;
            FinishReason reason = params.stopTokenIds().contains(token) ? FinishReason.STOP
                    : generated >= params.maxNewTokens() ? FinishReason.MAX_TOKENS
                    : context.length >= maxSequenceLength ? FinishReason.MAX_LENGTH : null;
            if (reason != null) {
                return new GenerationResultTokens(Arrays.copyOfRange(context, prompt.length, context.length), reason);
            }
        }
    }

    /** The greedy next token after {@code context}. */
    int greedyNext(int[] context) {
        float[] logits = logitsFor(context);
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return best;
    }

    private void sleep() {
        if (sleepNanos > 0) {
            long until = System.nanoTime() + sleepNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    /** Expected tokens and finish reason. */
    record GenerationResultTokens(int[] tokens, FinishReason reason) {}
}
