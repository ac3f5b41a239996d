package io.textintel.serving.sampling;

import java.util.Arrays;
import java.util.Objects;

/** Chooses tokens from logits: greedy, or temperature / top-k / top-p sampling. */
public final class Sampler {

    private Sampler() {}

    /**
     * The probabilities actually sampled from, after temperature, top-k and top-p; greedy gives a
     * one-hot argmax (ties to the lowest id).
     */
    public static float[] distribution(float[] logits, SamplingParams params) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(params, "params");
        if (logits.length == 0) {
            throw new IllegalArgumentException("logits are empty, expected one per vocabulary entry");
        }
        float[] probabilities = new float[logits.length]; // [vocab]
        if (params.isGreedy()) {
            probabilities[argmax(logits)] = 1f;
            return probabilities;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit / params.temperature());
        }
        double sum = 0;
        double[] weights = new double[logits.length]; // [vocab]
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp(logits[i] / params.temperature() - max);
            sum += weights[i];
        }
        Integer[] order = new Integer[logits.length]; // ids by descending weight, ties to the lowest id
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> weights[a] != weights[b] ? Double.compare(weights[b], weights[a]) : a - b);
        int keep = params.topK() == 0 ? logits.length : Math.min(params.topK(), logits.length);
        double cumulative = 0;
        for (int rank = 0; rank < keep; rank++) {
            cumulative += weights[order[rank]] / sum;
            if (cumulative >= params.topP()) {
                keep = rank + 1;
                break;
            }
        }
        double kept = 0;
        for (int rank = 0; rank < keep; rank++) {
            kept += weights[order[rank]];
        }
        for (int rank = 0; rank < keep; rank++) {
            probabilities[order[rank]] = (float) (weights[order[rank]] / kept);
        }
        return probabilities;
    }

    /** One token from {@link #distribution}; greedy draws nothing from {@code random}. */
    public static int sample(float[] logits, SamplingParams params, SequenceRandom random) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        return draw(distribution(logits, params), random.nextUniform());
    }

    /** The id where the cumulative probability first exceeds {@code uniform}. */
    static int draw(float[] probabilities, double uniform) {
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > 0) {
                cumulative += probabilities[i];
                last = i;
                if (uniform < cumulative) {
                    return i;
                }
            }
        }
        if (last < 0) {
            throw new IllegalArgumentException("distribution has no positive probability, expected one at least");
        }
        return last; // rounding left the sum just under 1
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
