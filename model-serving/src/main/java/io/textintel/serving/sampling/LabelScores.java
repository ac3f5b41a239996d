package io.textintel.serving.sampling;

/**
 * How probable each label of a {@link LabelTrie} is under the model.
 *
 * @param logProbabilities {@code [labels]}: natural log of the model's own probability of
 *     generating the label's tokens (and the end token, where the trie has one) after the prompt
 */
public record LabelScores(double[] logProbabilities) {

    public LabelScores {
        logProbabilities = logProbabilities.clone();
    }

    public int size() {
        return logProbabilities.length;
    }

    /** The model's probability of generating exactly this label; all labels together sum to at most 1. */
    public double probability(int label) {
        return Math.exp(logProbabilities[label]);
    }

    /**
     * The label's share of the probability of all labels: the model's probability of the label
     * given that its output is one of the labels. Sums to 1 over the labels.
     */
    public double share(int label) {
        double max = logProbabilities[best()];
        double total = 0;
        for (double logP : logProbabilities) {
            total += Math.exp(logP - max);
        }
        return Math.exp(logProbabilities[label] - max) / total;
    }

    /** The most probable label, ties to the lower index. */
    public int best() {
        int best = 0;
        for (int i = 1; i < logProbabilities.length; i++) {
            if (logProbabilities[i] > logProbabilities[best]) {
                best = i;
            }
        }
        return best;
    }
}
