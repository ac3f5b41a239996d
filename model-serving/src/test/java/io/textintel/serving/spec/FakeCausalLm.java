package io.textintel.serving.spec;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A causal LM whose logits are a fixed function of the context, read back from its KV cache: each
 * token's id is stored as its key at its position, and the context of a logit row is rebuilt from
 * the cache. A proposer that lets its cache drift from the context therefore gets wrong logits.
 */
final class FakeCausalLm implements CausalLm {

    static final KvLayout LAYOUT = new KvLayout(1, 1, 1);

    private final int vocabSize;
    private final int maxSequenceLength;
    private final Function<int[], float[]> logitsOfContext;
    private long tokensRun;

    FakeCausalLm(int vocabSize, int maxSequenceLength, Function<int[], float[]> logitsOfContext) {
        this.vocabSize = vocabSize;
        this.maxSequenceLength = maxSequenceLength;
        this.logitsOfContext = logitsOfContext;
    }

    /** Logits peaked on {@code (sum of the last two tokens * mul + add) % vocab}, with hashed noise. */
    static Function<int[], float[]> peaked(int vocabSize, int mul, int add) {
        return context -> {
            int last = context[context.length - 1];
            int previous = context.length > 1 ? context[context.length - 2] : 0;
            int favourite = ((last + previous) * mul + add) % vocabSize;
            float[] logits = new float[vocabSize];
            for (int v = 0; v < vocabSize; v++) {
                int h = (last * 31 + previous) * 131 + v;
                logits[v] = (float) (((h * 0x9E3779B1) >>> 8) % 1000) / 1000f;
            }
            logits[favourite] += 3f;
            return logits;
        };
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

    /** Tokens run through {@link #forward} so far. */
    long tokensRun() {
        return tokensRun;
    }

    @Override
    public float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache) {
        List<float[]> rows = new ArrayList<>();
        for (SequenceChunk chunk : chunks) {
            int[] tokens = chunk.tokens();
            for (int i = 0; i < tokens.length; i++) {
                int position = chunk.startPosition() + i;
                cache.keys(0)[cache.offset(chunk.sequenceId(), position)] = tokens[i];
            }
            tokensRun += tokens.length;
            for (int i = tokens.length - chunk.logitRows(); i < tokens.length; i++) {
                int position = chunk.startPosition() + i;
                int[] context = new int[position + 1];
                for (int p = 0; p <= position; p++) {
                    context[p] = (int) cache.keys(0)[cache.offset(chunk.sequenceId(), p)];
                }
                rows.add(logitsOfContext.apply(context));
            }
        }
        return rows.toArray(new float[0][]);
    }
}
