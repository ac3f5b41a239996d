package io.textintel.serving.sampling;

import java.util.List;
import java.util.Objects;

/**
 * How one request chooses its next tokens: greedy or sampled with temperature, top-k and top-p, its
 * seed, how many tokens it may generate and which tokens stop it.
 *
 * <p>Validated once, here: every sampler and verifier may rely on these ranges.
 *
 * @param temperature divides the logits before the softmax; 0 means greedy (argmax, ties to the lowest id)
 * @param topK keep only the {@code topK} most probable tokens; 0 turns it off
 * @param topP nucleus: keep the smallest set of most probable tokens whose probability reaches
 *     {@code topP}; 1 turns it off
 * @param seed seed of the request's {@link SequenceRandom}
 * @param maxNewTokens most tokens generated for the request, at least 1
 * @param stopTokenIds tokens that end generation when produced (e.g. the model's end-of-sequence ids)
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, int maxNewTokens,
        List<Integer> stopTokenIds) {

    public SamplingParams {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a finite value >= 0");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK is " + topK + ", expected >= 0 (0 turns it off)");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("topP is " + topP + ", expected 0 < topP <= 1 (1 turns it off)");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens is " + maxNewTokens + ", expected >= 1");
        }
        Objects.requireNonNull(stopTokenIds, "stopTokenIds");
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /** Greedy decoding: always the most probable token (ties to the lowest id). */
    public static SamplingParams greedy(int maxNewTokens, List<Integer> stopTokenIds) {
        return new SamplingParams(0f, 0, 1f, 0L, maxNewTokens, stopTokenIds);
    }

    /** Whether tokens are chosen by argmax rather than drawn at random. */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** Whether {@code tokenId} ends generation. */
    public boolean isStop(int tokenId) {
        return stopTokenIds.contains(tokenId);
    }
}
