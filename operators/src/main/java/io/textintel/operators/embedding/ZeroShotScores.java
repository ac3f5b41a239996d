package io.textintel.operators.embedding;

/**
 * Scores of labels for a text by the similarity of its embedding to the embeddings of each label's
 * descriptions: zero-shot tagging, no training.
 *
 * <p>A label's similarity is the largest cosine over its descriptions. Single-label, the scores are
 * {@code softmax(similarity / temperature)} over the labels (they sum to 1). Multi-label, each
 * label's score is its similarity clipped to [0, 1], independent of the other labels.
 */
public final class ZeroShotScores {

    private final float[][][] descriptions; // [labels][descriptions][dims]
    private final double temperature;
    private final boolean multiLabel;

    /**
     * @param descriptions per label, the embeddings of its descriptions (at least one each)
     * @param temperature softmax temperature, > 0 (single-label only)
     */
    public ZeroShotScores(float[][][] descriptions, double temperature, boolean multiLabel) {
        if (descriptions.length == 0) {
            throw new IllegalArgumentException("no labels, expected at least one");
        }
        for (int label = 0; label < descriptions.length; label++) {
            if (descriptions[label].length == 0) {
                throw new IllegalArgumentException("label " + label + " has no description embedding, expected one or more");
            }
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a number > 0");
        }
        this.descriptions = descriptions;
        this.temperature = temperature;
        this.multiLabel = multiLabel;
    }

    /** Per label, the largest cosine between {@code embedding} and its descriptions. */
    public double[] similarities(float[] embedding) {
        double[] similarity = new double[descriptions.length];
        for (int label = 0; label < descriptions.length; label++) {
            double best = Double.NEGATIVE_INFINITY;
            for (float[] description : descriptions[label]) {
                best = Math.max(best, Vectors.cosine(embedding, description));
            }
            similarity[label] = best;
        }
        return similarity;
    }

    /** The labels' scores for a text's embedding, in label order. */
    public float[] scores(float[] embedding) {
        double[] similarity = similarities(embedding);
        float[] scores = new float[similarity.length];
        if (multiLabel) {
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (float) Math.min(1, Math.max(0, similarity[i]));
            }
            return scores;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double s : similarity) {
            max = Math.max(max, s);
        }
        double sum = 0;
        double[] exp = new double[similarity.length];
        for (int i = 0; i < exp.length; i++) {
            exp[i] = StrictMath.exp((similarity[i] - max) / temperature);
            sum += exp[i];
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) (exp[i] / sum);
        }
        return scores;
    }
}
