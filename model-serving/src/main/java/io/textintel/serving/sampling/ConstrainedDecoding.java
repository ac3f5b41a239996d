package io.textintel.serving.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Generative classification: decoding restricted to the outputs of a {@link LabelTrie}, and the
 * probability the model gives each label.
 *
 * <p>Generation masks every token the trie does not allow at the current prefix to
 * {@code -Infinity} and then samples (or takes the argmax) as usual: the model chooses only among
 * labels, with its own relative preferences.
 *
 * <p>Scoring uses the model's own token probabilities, unmasked: {@code P(label) = Π p(t_i | prompt,
 * t_<i)} over the label's tokens and the end token. Masking and renormalising at each step
 * instead would give a label that shares a first token with others a different weight from one
 * that does not (a per-step renormalisation is not the conditional distribution of whole labels),
 * and would hide how little the model may believe in any label at all. The probability of the
 * label given that the output is some label, the {@link LabelScores#share}, is the normalised
 * product, which is that conditional exactly. Labels are scored as single-label outputs
 * ({@code label [end]}); multi-label outputs come from {@link #generate}.
 */
public final class ConstrainedDecoding {

    /** The model after the prompt: logits {@code [vocab]} for the token that follows {@code prefix}. */
    @FunctionalInterface
    public interface NextTokenLogits {
        float[] logits(int[] prefix);
    }

    private final LabelTrie trie;
    private final NextTokenLogits model;

    public ConstrainedDecoding(LabelTrie trie, NextTokenLogits model) {
        this.trie = trie;
        this.model = model;
    }

    /** A copy of {@code logits} with every token outside {@code allowed} set to {@code -Infinity}. */
    public static float[] mask(float[] logits, int[] allowed) {
        float[] masked = new float[logits.length]; // [vocab]
        Arrays.fill(masked, Float.NEGATIVE_INFINITY);
        for (int token : allowed) {
            if (token < 0 || token >= logits.length) {
                throw new IllegalArgumentException("allowed token " + token + " is outside the vocabulary of "
                        + logits.length + " tokens, expected 0.." + (logits.length - 1));
            }
            masked[token] = logits[token];
        }
        return masked;
    }

    /**
     * Generates one output of the trie: at most {@code params.maxNewTokens()} tokens, stopping when
     * the output is complete. Read the labels with {@link LabelTrie#labels}.
     */
    public int[] generate(SamplingParams params, SequenceRandom random) {
        int[] output = new int[0];
        while (output.length < params.maxNewTokens() && !trie.isComplete(output)) {
            int[] allowed = trie.allowedNext(output);
            int token = Sampler.sample(mask(model.logits(output), allowed), params, random);
            output = Arrays.copyOf(output, output.length + 1);
            output[output.length - 1] = token;
        }
        return output;
    }

    /** Each label's probability under the model; the model runs once per distinct prefix. */
    public LabelScores score() {
        Map<List<Integer>, float[]> logitsByPrefix = new HashMap<>();
        NextTokenLogits once = prefix -> logitsByPrefix.computeIfAbsent(Arrays.stream(prefix).boxed().toList(),
                key -> model.logits(prefix));
        double[] logProbabilities = new double[trie.labelCount()]; // [labels]
        for (int label = 0; label < trie.labelCount(); label++) {
            logProbabilities[label] = logProbability(label, once);
        }
        return new LabelScores(logProbabilities);
    }

    /**
     * The natural log of one label's probability under the model, as {@link #score()} computes it
     * (the same terms in the same order, so the same double): for callers that need only some labels.
     * The model is asked for the logits after every prefix of the label's output; it should remember them.
     */
    public double logProbability(int label) {
        if (label < 0 || label >= trie.labelCount()) {
            throw new IllegalArgumentException("label " + label + " is not one of the trie's " + trie.labelCount()
                    + " labels, expected 0.." + (trie.labelCount() - 1));
        }
        return logProbability(label, model);
    }

    private double logProbability(int label, NextTokenLogits logitsOf) {
        int[] tokens = trie.label(label);
        int[] output = trie.endToken() >= 0 ? Arrays.copyOf(tokens, tokens.length + 1) : tokens;
        if (trie.endToken() >= 0) {
            output[tokens.length] = trie.endToken();
        }
        double logP = 0;
        for (int i = 0; i < output.length; i++) {
            logP += logSoftmax(logitsOf.logits(Arrays.copyOf(output, i)), output[i]);
        }
        return logP;
    }

    /** ln softmax(logits)[token], computed stably in double. */
    private static double logSoftmax(float[] logits, int token) {
        if (token >= logits.length) {
            throw new IllegalArgumentException("label token " + token + " is outside the vocabulary of "
                    + logits.length + " tokens, expected 0.." + (logits.length - 1));
        }
        double max = logits[Sampler.argmax(logits)];
        double total = 0;
        for (float l : logits) {
            total += Math.exp(l - max);
        }
        return logits[token] - max - Math.log(total);
    }
}
