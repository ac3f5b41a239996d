package io.textintel.operators.drift;

import java.util.Arrays;

/**
 * A bootstrap pseudo-window read straight from the reference documents it resamples, for calibration.
 *
 * <p>It gives the values a {@link DriftAccumulator} of the same documents gives, as long as the window is
 * no larger than the KLL k: such a sketch is exact (it retains every item at weight 1), so its sorted view
 * is the sorted sample, whose KS distance {@link KolmogorovSmirnov#distanceFromRanks} computes from the
 * documents' precomputed reference ranks with the same arithmetic. Counts and 32.32 fixed-point embedding
 * sums are integers, equal in any order. Skipping the sketches, sorted views and binary searches makes a
 * pseudo-window many times cheaper; the equality with the accumulator path is tested.
 */
final class ResampledWindow implements WindowStatistics.Window {

    private final int[][] codes; // [categoricals][documents], vocabulary index, the vocabulary size when unseen, -1 absent
    private final long[][] embeddings; // [documents][dims] fixed point, null rows where absent
    private final int dims;
    private final int[][] ranksBelow; // [values][documents], count of reference values below, -1 where absent
    private final int[][] atMostByRankBelow; // [values][reference values]
    private final int[] scratch;
    private int[] documents = new int[0];
    private int size;

    ResampledWindow(ReferenceProfile profile, int maxSize) {
        int n = profile.documents();
        int values = profile.valueCount();
        codes = new int[ReferenceProfile.CATEGORICALS][n];
        embeddings = new long[n][];
        dims = profile.dims();
        for (int d = 0; d < n; d++) {
            ProjectedFeatures document = profile.document(d);
            for (int f = 0; f < codes.length; f++) {
                String category = document.categories[f];
                String[] vocabulary = profile.vocabulary(f);
                int i = category == null ? -1 : Arrays.binarySearch(vocabulary, category);
                codes[f][d] = category == null ? -1 : (i >= 0 ? i : vocabulary.length);
            }
            if (document.embedding != null && dims > 0) {
                embeddings[d] = new long[dims];
                for (int i = 0; i < dims; i++) {
                    embeddings[d][i] = DriftAccumulator.toFixedPoint(document.embedding[i], document.id, i);
                }
            }
        }
        ranksBelow = new int[values][n];
        atMostByRankBelow = new int[values][];
        for (int v = 0; v < values; v++) {
            double[] sorted = profile.sortedValues(v);
            atMostByRankBelow[v] = new int[sorted.length];
            for (int d = 0; d < n; d++) {
                double x = profile.document(d).values[v];
                if (Double.isNaN(x)) {
                    ranksBelow[v][d] = -1;
                } else {
                    int below = KolmogorovSmirnov.countBelow(sorted, x);
                    ranksBelow[v][d] = below;
                    atMostByRankBelow[v][below] = KolmogorovSmirnov.countAtMost(sorted, x);
                }
            }
        }
        scratch = new int[maxSize];
    }

    /** Makes this the window of reference documents {@code indices[0..size)}. */
    void reset(int[] indices, int size) {
        if (size > scratch.length) {
            throw new IllegalArgumentException("window of " + size + " documents, expected at most " + scratch.length);
        }
        this.documents = indices;
        this.size = size;
    }

    @Override
    public long count() {
        return size;
    }

    @Override
    public long valueCount(int v) {
        int[] ranks = ranksBelow[v];
        long n = 0;
        for (int i = 0; i < size; i++) {
            if (ranks[documents[i]] >= 0) {
                n++;
            }
        }
        return n;
    }

    @Override
    public double ks(int v, double[] sortedReference) {
        int[] ranks = ranksBelow[v];
        int n = 0;
        for (int i = 0; i < size; i++) {
            int rank = ranks[documents[i]];
            if (rank >= 0) {
                scratch[n++] = rank;
            }
        }
        Arrays.sort(scratch, 0, n);
        return KolmogorovSmirnov.distanceFromRanks(scratch, n, atMostByRankBelow[v], sortedReference.length);
    }

    @Override
    public long embeddingCount() {
        long n = 0;
        for (int i = 0; i < size; i++) {
            if (embeddings[documents[i]] != null) {
                n++;
            }
        }
        return n;
    }

    @Override
    public double[] embeddingMean() {
        long[] sum = new long[dims];
        long n = 0;
        for (int i = 0; i < size; i++) {
            long[] e = embeddings[documents[i]];
            if (e != null) {
                for (int x = 0; x < dims; x++) {
                    sum[x] += e[x];
                }
                n++;
            }
        }
        return DriftAccumulator.mean(sum, n);
    }

    @Override
    public void categoryCounts(int feature, String[] vocabulary, double[] out) {
        int[] featureCodes = codes[feature];
        for (int i = 0; i < size; i++) {
            int code = featureCodes[documents[i]];
            if (code >= 0) {
                out[code]++;
            }
        }
    }
}
