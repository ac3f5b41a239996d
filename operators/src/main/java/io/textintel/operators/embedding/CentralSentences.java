package io.textintel.operators.embedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chooses the sentences of an extractive summary from the sentences' embeddings: the most central
 * ones, by maximal marginal relevance (MMR) so that a second sentence saying the same is passed over.
 *
 * <p>The centroid is the mean of the sentence embeddings; a sentence's centrality is its cosine to
 * it. Sentences are picked one at a time, each maximising {@code λ × centrality − (1 − λ) × (largest
 * cosine to a sentence already picked)}; ties go to the earlier sentence. A sentence that would make
 * the summary longer than the character budget is skipped. The picks are returned in the text's order.
 */
public final class CentralSentences {

    private CentralSentences() {}

    /**
     * The indices of the chosen sentences, ascending. Empty only when there are no sentences; when
     * not even one sentence fits {@code maxCharacters}, the single most central one.
     *
     * @param embeddings per sentence its embedding // [sentences][dims]
     * @param lengths per sentence its length in characters; the summary joins sentences with one space
     * @param maxSentences most sentences to choose, >= 1
     * @param maxCharacters most characters of the summary, 0 for no limit
     * @param lambda weight of centrality against redundancy, in [0, 1]
     */
    public static int[] select(float[][] embeddings, int[] lengths, int maxSentences, int maxCharacters,
            double lambda) {
        int n = embeddings.length;
        if (lengths.length != n) {
            throw new IllegalArgumentException(n + " embeddings and " + lengths.length + " lengths, expected one"
                    + " length per sentence");
        }
        if (maxSentences < 1 || maxCharacters < 0 || !(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("maxSentences " + maxSentences + ", maxCharacters " + maxCharacters
                    + ", lambda " + lambda + ", expected >= 1, >= 0 and in [0, 1]");
        }
        if (n == 0) {
            return new int[0];
        }
        double[] centrality = centrality(embeddings);
        double[][] similarity = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                similarity[i][j] = similarity[j][i] = Vectors.cosine(embeddings[i], embeddings[j]);
            }
        }
        boolean[] considered = new boolean[n];
        double[] redundancy = new double[n];
        Arrays.fill(redundancy, Double.NEGATIVE_INFINITY);
        List<Integer> chosen = new ArrayList<>();
        int firstPick = -1;
        int characters = 0;
        while (chosen.size() < maxSentences) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (considered[i]) {
                    continue;
                }
                double score = chosen.isEmpty() ? centrality[i]
                        : lambda * centrality[i] - (1 - lambda) * redundancy[i];
                if (score > bestScore) {
                    best = i;
                    bestScore = score;
                }
            }
            if (best < 0) {
                break;
            }
            considered[best] = true;
            if (firstPick < 0) {
                firstPick = best;
            }
            int added = lengths[best] + (chosen.isEmpty() ? 0 : 1);
            if (maxCharacters > 0 && characters + added > maxCharacters) {
                continue;
            }
            characters += added;
            chosen.add(best);
            for (int i = 0; i < n; i++) {
                redundancy[i] = Math.max(redundancy[i], similarity[i][best]);
            }
        }
        if (chosen.isEmpty()) {
            return new int[] {firstPick};
        }
        return chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Per sentence, its cosine to the mean of all sentence embeddings. */
    static double[] centrality(float[][] embeddings) {
        int dims = embeddings[0].length;
        float[] centroid = new float[dims];
        double[] sum = new double[dims];
        for (float[] embedding : embeddings) {
            if (embedding.length != dims) {
                throw new IllegalArgumentException("sentence embeddings have " + embedding.length + " and " + dims
                        + " dimensions, expected the same");
            }
            for (int d = 0; d < dims; d++) {
                sum[d] += embedding[d];
            }
        }
        for (int d = 0; d < dims; d++) {
            centroid[d] = (float) (sum[d] / embeddings.length);
        }
        double[] centrality = new double[embeddings.length];
        for (int i = 0; i < embeddings.length; i++) {
            centrality[i] = Vectors.cosine(embeddings[i], centroid);
        }
        return centrality;
    }
}
