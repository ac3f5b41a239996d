package io.textintel.operators.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic document stream with known distributions for the drift tests: 32-dim embeddings from an
 * anisotropic Gaussian (fixed rotation, variances falling as 1/(1+i)) around a common mean, then
 * L2-normalised; five topics with "science" at share 0.2; three languages; log-normal lengths; Beta
 * confidence and speculation acceptance; a summary on 80% of the documents. The distribution's shape
 * (mean, rotation) is fixed by {@code shapeSeed}; the draws by {@code drawSeed}.
 */
final class SyntheticDriftStream {

    static final int DIMS = 32;
    static final String[] TOPICS = {"business", "health", "politics", "science", "sport"};
    static final double[] TOPIC_SHARES = {0.3, 0.2, 0.15, 0.2, 0.15};
    static final int SHIFTED_TOPIC = 3; // "science", share 0.2
    static final String[] LANGUAGES = {"en", "de", "fr"};
    static final double[] LANGUAGE_SHARES = {0.7, 0.2, 0.1};
    static final String SWITCHED_LANGUAGE = "es";

    private final double[] mean; // [dims]
    private final double[][] rotation; // [dims, dims], orthonormal rows
    private final double[] scales; // [dims]
    private final SplittableRandom random;
    private double[] topicShares = TOPIC_SHARES;
    private String onlyLanguage;
    private double[] embeddingShift; // [dims] or null
    private long next;

    SyntheticDriftStream(long shapeSeed, long drawSeed) {
        SplittableRandom shape = new SplittableRandom(shapeSeed);
        mean = new double[DIMS];
        for (int i = 0; i < DIMS; i++) {
            mean[i] = 0.6 * gaussian(shape);
        }
        rotation = PrincipalDirections.randomOrthonormal(DIMS, DIMS, shape);
        scales = new double[DIMS];
        for (int i = 0; i < DIMS; i++) {
            scales[i] = 1 / Math.sqrt(1 + i);
        }
        random = new SplittableRandom(drawSeed);
    }

    /** From now on topic "science" has share 0.8 and the other topics share 0.2 in their old proportions. */
    SyntheticDriftStream shiftTopic() {
        double[] shares = new double[TOPICS.length];
        for (int t = 0; t < shares.length; t++) {
            shares[t] = t == SHIFTED_TOPIC ? 0.8 : TOPIC_SHARES[t] * 0.2 / (1 - TOPIC_SHARES[SHIFTED_TOPIC]);
        }
        topicShares = shares;
        return this;
    }

    /** From now on every document is in a language the reference never saw. */
    SyntheticDriftStream switchLanguage() {
        onlyLanguage = SWITCHED_LANGUAGE;
        return this;
    }

    /** From now on each normalised embedding moves by {@code shift} and is normalised again. */
    SyntheticDriftStream shiftEmbeddings(double[] shift) {
        embeddingShift = shift.clone();
        return this;
    }

    List<DriftFeatures> take(int n) {
        List<DriftFeatures> documents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            documents.add(next());
        }
        return documents;
    }

    DriftFeatures next() {
        long id = next++;
        double[] scalars = new double[ScalarFeature.values().length];
        double chars = Math.round(Math.exp(6 + 0.5 * gaussian(random)));
        scalars[ScalarFeature.TEXT_CHARS.ordinal()] = chars;
        scalars[ScalarFeature.TOKENS.ordinal()] = Math.max(1, Math.round(chars / 4.2 * Math.exp(0.1 * gaussian(random))));
        scalars[ScalarFeature.UNKNOWN_TOKEN_RATE.ordinal()] = beta(1, 60);
        scalars[ScalarFeature.CONFIDENCE.ordinal()] = beta(5, 2);
        boolean summarised = random.nextDouble() < 0.8;
        scalars[ScalarFeature.SUMMARY_TOKENS.ordinal()] =
                summarised ? Math.round(Math.exp(4 + 0.3 * gaussian(random))) : Double.NaN;
        scalars[ScalarFeature.SUMMARY_ACCEPTANCE.ordinal()] = summarised ? beta(6, 3) : Double.NaN;
        String[] categories = new String[CategoricalFeature.values().length];
        categories[CategoricalFeature.TOPIC.ordinal()] = TOPICS[pick(topicShares)];
        categories[CategoricalFeature.LANGUAGE.ordinal()] =
                onlyLanguage != null ? onlyLanguage : LANGUAGES[pick(LANGUAGE_SHARES)];
        return new DriftFeatures("doc-" + id, 1_700_000_000_000L + id, scalars, categories, embedding());
    }

    private float[] embedding() {
        double[] z = new double[DIMS];
        for (int i = 0; i < DIMS; i++) {
            z[i] = scales[i] * gaussian(random);
        }
        double[] x = mean.clone();
        for (int r = 0; r < DIMS; r++) {
            double zr = z[r];
            double[] row = rotation[r];
            for (int i = 0; i < DIMS; i++) {
                x[i] += zr * row[i];
            }
        }
        normalise(x);
        if (embeddingShift != null) {
            for (int i = 0; i < DIMS; i++) {
                x[i] += embeddingShift[i];
            }
            normalise(x);
        }
        float[] e = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            e[i] = (float) x[i];
        }
        return e;
    }

    private static void normalise(double[] x) {
        double norm = Math.sqrt(PrincipalDirections.dot(x, x));
        for (int i = 0; i < x.length; i++) {
            x[i] /= norm;
        }
    }

    private int pick(double[] shares) {
        double u = random.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    private double beta(double a, double b) {
        double x = gamma(a);
        return x / (x + gamma(b));
    }

    /** Marsaglia and Tsang's gamma sampler (shape >= 1). */
    private double gamma(double shape) {
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = gaussian(random);
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    private static double gaussian(SplittableRandom random) {
        return PrincipalDirections.gaussian(random);
    }
}
