package io.textintel.operators.embedding;

/** The few vector operations the embedding heads need, in double precision and a fixed order. */
final class Vectors {

    private Vectors() {}

    static double dot(float[] a, float[] b) {
        requireSameLength(a, b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** The cosine of {@code a} and {@code b}; 0 when either is the zero vector. */
    static double cosine(float[] a, float[] b) {
        double norms = norm(a) * norm(b);
        return norms == 0 ? 0 : dot(a, b) / norms;
    }

    static void requireSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors have " + a.length + " and " + b.length
                    + " dimensions, expected the same (embeddings of one model)");
        }
    }
}
