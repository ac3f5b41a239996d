package io.textintel.serving.sampling;

import java.util.List;
import java.util.Objects;

/**
 * How one request chooses its tokens.
 *
 * @param temperature logits are divided by it before the softmax; 0 means greedy (argmax)
 * @param topK keep only the {@code topK} most likely tokens; 0 = off
 * @param topP keep the smallest set of most likely tokens whose probability reaches {@code topP}; 1 = off
 * @param seed seed of the request's {@link SequenceRandom}
 * @param maxNewTokens most tokens to generate
 * @param stopTokenIds generation stops after any of these tokens (which is kept in the output)
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, int maxNewTokens,
        List<Integer> stopTokenIds) {

    public SamplingParams {
        Objects.requireNonNull(stopTokenIds, "stopTokenIds");
        stopTokenIds = List.copyOf(stopTokenIds);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a finite value >= 0");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK is " + topK + ", expected >= 0 (0 = off)");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP is " + topP + ", expected 0 < topP <= 1 (1 = off)");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens is " + maxNewTokens + ", expected >= 1");
        }
    }

    /** Greedy decoding: always the most likely token. */
    public static SamplingParams greedy(int maxNewTokens, List<Integer> stopTokenIds) {
        return new SamplingParams(0f, 0, 1f, 0L, maxNewTokens, stopTokenIds);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
