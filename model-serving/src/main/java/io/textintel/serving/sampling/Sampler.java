package io.textintel.serving.sampling;

import java.util.Arrays;
import java.util.List;

/**
 * Chooses a token from one row of logits: greedy argmax, or a draw from the softmax after
 * temperature, top-k and top-p.
 *
 * <p>Order of the filters, as in HF {@code generate}: temperature scales the logits; top-k keeps
 * the {@code k} largest; top-p keeps, of those, the smallest most-probable set whose renormalised
 * probability reaches {@code p} (within {@code 1e-6}, the precision of a float {@code p}); what is
 * kept is renormalised. Ties are broken by the lower token id everywhere, so every set is exact and
 * reproducible. A logit of {@code -Infinity} is a masked token: probability 0; the request's
 * {@linkplain SamplingParams#suppressedTokenIds suppressed tokens} are masked before anything else.
 *
 * <p>Speed: the top-k / top-p sets are found among the tokens above a threshold chosen so that
 * they provably contain the set (see {@link #candidates}), so typically only a few hundred of a
 * 150k vocabulary are sorted.
 */
public final class Sampler {

    /** Slack of the top-p comparison: a float {@code topP} carries about 7 significant digits. */
    static final double TOP_P_SLACK = 1e-6;

    private Sampler() {
    }

    /**
     * The probabilities actually sampled from (sum 1), after temperature, top-k and top-p. Greedy:
     * one-hot on the argmax, ties to the lowest id.
     *
     * @param logits one row of the model's output: {@code [vocab]}
     */
    public static float[] distribution(float[] logits, SamplingParams params) {
        logits = suppress(logits, params.suppressedTokenIds());
        checkLogits(logits);
        float[] out = new float[logits.length]; // [vocab]
        if (params.isGreedy()) {
            out[argmax(logits)] = 1f;
            return out;
        }
        // 1. stable softmax weights: exp((l - max) / T) in (0, 1], the maximum weighing 1
        double[] weights = weights(logits, params.temperature()); // [vocab]
        if (params.topK() == 0 && params.topP() >= 1f) {
            double total = 0;
            for (double w : weights) {
                total += w;
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (weights[i] / total);
            }
            return out;
        }
        // 2. most probable first, ties to the lower id, among a superset of what top-k / top-p keep
        int[] order = sortedByLogit(logits, candidates(weights, params));
        // 3. top-k
        int keep = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        // 4. top-p over the renormalised top-k
        if (params.topP() < 1f) {
            // the mass top-p is relative to: what top-k kept, or (top-k off) every token, not only the candidates
            double kept = 0;
            if (params.topK() > 0) {
                for (int i = 0; i < keep; i++) {
                    kept += weights[order[i]];
                }
            } else {
                for (double w : weights) {
                    kept += w;
                }
            }
            double target = (params.topP() - TOP_P_SLACK) * kept;
            double cumulative = 0;
            int nucleus = keep;
            for (int i = 0; i < keep; i++) {
                cumulative += weights[order[i]];
                if (cumulative >= target) {
                    nucleus = i + 1;
                    break;
                }
            }
            keep = nucleus;
        }
        // 5. renormalise what is kept
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += weights[order[i]];
        }
        for (int i = 0; i < keep; i++) {
            out[order[i]] = (float) (weights[order[i]] / total);
        }
        return out;
    }

    /** A token drawn from {@link #distribution}; greedy takes the argmax and draws nothing. */
    public static int sample(float[] logits, SamplingParams params, SequenceRandom random) {
        if (params.isGreedy()) {
            float[] allowed = suppress(logits, params.suppressedTokenIds());
            checkLogits(allowed);
            return argmax(allowed);
        }
        return inverseCdf(distribution(logits, params), random.nextUniform());
    }

    /**
     * {@code logits} with the {@code suppressed} tokens set to {@code -Infinity}: a copy, or the row
     * itself when none of them is in it. Ids past the row's end are not in it (a draft model's
     * vocabulary may be shorter than the target's) and are skipped.
     *
     * @param logits {@code [vocab]}
     */
    public static float[] suppress(float[] logits, List<Integer> suppressed) {
        float[] out = logits;
        for (int id : suppressed) {
            if (id < logits.length && logits[id] != Float.NEGATIVE_INFINITY) {
                if (out == logits) {
                    out = logits.clone();
                }
                out[id] = Float.NEGATIVE_INFINITY;
            }
        }
        return out;
    }

    /**
     * The token at which the cumulative probability first exceeds {@code u}: a draw from
     * {@code probabilities} when {@code u} is uniform in [0, 1). The probabilities need not sum to
     * exactly 1 (they are scaled by their sum); a token of probability 0 is never returned.
     *
     * @param probabilities {@code [vocab]}, non-negative, not all 0
     */
    public static int inverseCdf(float[] probabilities, double u) {
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("uniform draw is " + u + ", expected a value in [0, 1)");
        }
        double total = 0;
        int last = -1;
        for (int i = 0; i < probabilities.length; i++) {
            float p = probabilities[i];
            if (!(p >= 0) || Float.isInfinite(p)) {
                throw new IllegalArgumentException("probability of token " + i + " is " + p
                        + ", expected a finite value >= 0");
            }
            if (p > 0) {
                total += p;
                last = i;
            }
        }
        if (last < 0) {
            throw new IllegalArgumentException("every probability of the " + probabilities.length
                    + " tokens is 0, expected at least one positive");
        }
        double threshold = u * total;
        double cumulative = 0;
        for (int i = 0; i < last; i++) {
            cumulative += probabilities[i];
            if (probabilities[i] > 0 && threshold < cumulative) {
                return i;
            }
        }
        return last; // also absorbs round-off at the top of the range
    }

    /** Index of the largest logit, ties to the lowest index. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void checkLogits(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("logits are empty, expected one per vocabulary token");
        }
        boolean anyFinite = false;
        for (int i = 0; i < logits.length; i++) {
            float l = logits[i];
            if (Float.isNaN(l) || l == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit of token " + i + " is " + l
                        + ", expected a finite value or -Infinity (masked)");
            }
            anyFinite |= l != Float.NEGATIVE_INFINITY;
        }
        if (!anyFinite) {
            throw new IllegalArgumentException("all " + logits.length
                    + " logits are -Infinity, expected at least one token left unmasked");
        }
    }

    /** exp((l - max) / T) per token: the unnormalised softmax, at most 1, 0 for masked tokens. */
    private static double[] weights(float[] logits, float temperature) {
        float max = logits[argmax(logits)];
        double[] weights = new double[logits.length]; // [vocab]
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp(((double) logits[i] - max) / temperature);
        }
        return weights;
    }

    /**
     * Tokens with a weight of at least some threshold {@code t}: an upper set of the order by
     * probability, so it contains the top-k set as soon as it has {@code k} members, and the top-p
     * set as soon as its mass reaches {@code p} of the total (the nucleus is a prefix of the order,
     * and this prefix already reaches {@code p}). {@code t} starts at 2^-10 of the maximum and falls
     * by 2^10 until that holds; at {@code t = 0} it is every token of non-zero weight.
     */
    private static int[] candidates(double[] weights, SamplingParams params) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        for (double t = 0x1.0p-10; ; t = t > 0x1.0p-1000 ? t * 0x1.0p-10 : 0) {
            int count = 0;
            double mass = 0;
            for (double w : weights) {
                if (w >= t && w > 0) {
                    count++;
                    mass += w;
                }
            }
            boolean enough = params.topK() > 0 ? count >= params.topK()
                    : mass >= (params.topP() - TOP_P_SLACK) * total;
            if (enough || t == 0) {
                int[] ids = new int[count];
                int n = 0;
                for (int i = 0; i < weights.length; i++) {
                    if (weights[i] >= t && weights[i] > 0) {
                        ids[n++] = i;
                    }
                }
                return ids;
            }
        }
    }

    /** The ids ordered by logit, largest first, ties to the lower id. */
    private static int[] sortedByLogit(float[] logits, int[] ids) {
        long[] keys = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int bits = Float.floatToIntBits(logits[ids[i]]);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // int order == float order
            keys[i] = ((long) ~ascending << 32) | ids[i];        // descending logit, then ascending id
        }
        Arrays.sort(keys);
        int[] order = new int[ids.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }
}
