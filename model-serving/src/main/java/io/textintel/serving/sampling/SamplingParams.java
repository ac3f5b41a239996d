package io.textintel.serving.sampling;

import java.util.List;
import java.util.Objects;

/**
 * How one request chooses its next tokens: greedy or sampled with temperature, top-k and top-p, its
 * seed, how many tokens it may generate, which tokens stop it and which it may never produce.
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
 * @param suppressedTokenIds tokens never produced: their logits count as {@code -Infinity} wherever
 *     this request's tokens are chosen or verified (e.g. special tokens other than the stops, which a
 *     decoded text would leave out); none of them may be a stop token
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, int maxNewTokens,
        List<Integer> stopTokenIds, List<Integer> suppressedTokenIds) {

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
        Objects.requireNonNull(suppressedTokenIds, "suppressedTokenIds");
        suppressedTokenIds = List.copyOf(suppressedTokenIds);
        for (int id : suppressedTokenIds) {
            if (id < 0 || stopTokenIds.contains(id)) {
                throw new IllegalArgumentException("suppressed token id " + id + " is " + (id < 0 ? "negative"
                        : "a stop token") + ", expected token ids >= 0 other than the stop tokens " + stopTokenIds);
            }
        }
    }

    /** Parameters that suppress no token. */
    public SamplingParams(float temperature, int topK, float topP, long seed, int maxNewTokens,
            List<Integer> stopTokenIds) {
        this(temperature, topK, topP, seed, maxNewTokens, stopTokenIds, List.of());
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
