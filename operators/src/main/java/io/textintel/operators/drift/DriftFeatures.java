package io.textintel.operators.drift;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the drift monitor measures of one document: scalar features, categorical features and the
 * embedding. A Flink POJO (public fields, no-argument constructor).
 */
public final class DriftFeatures {

    /** The document's id. */
    public String id;

    /** Event time in epoch milliseconds: the record's event time, else the Kafka record's timestamp. */
    public long eventTime;

    /** One value per {@link ScalarFeature}, by ordinal; {@code NaN} where the document has none. */ // [scalar features]
    public double[] scalars;

    /** One value per {@link CategoricalFeature}, by ordinal; {@code null} where the document has none. */
    public String[] categories;

    /** The L2-normalised embedding, or {@code null} when no task embeds. */ // [dims]
    public float[] embedding;

    public DriftFeatures() {}

    public DriftFeatures(String id, long eventTime, double[] scalars, String[] categories, float[] embedding) {
        if (scalars.length != ScalarFeature.values().length) {
            throw new IllegalArgumentException("expected " + ScalarFeature.values().length + " scalar features, got "
                    + scalars.length);
        }
        if (categories.length != CategoricalFeature.values().length) {
            throw new IllegalArgumentException("expected " + CategoricalFeature.values().length
                    + " categorical features, got " + categories.length);
        }
        this.id = id;
        this.eventTime = eventTime;
        this.scalars = scalars;
        this.categories = categories;
        this.embedding = embedding;
    }

    /** The value of {@code feature}, {@code NaN} when absent. */
    public double scalar(ScalarFeature feature) {
        return scalars[feature.ordinal()];
    }

    /** The value of {@code feature}, {@code null} when absent. */
    public String category(CategoricalFeature feature) {
        return categories[feature.ordinal()];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DriftFeatures other
                && eventTime == other.eventTime
                && Objects.equals(id, other.id)
                && Arrays.equals(scalars, other.scalars)
                && Arrays.equals(categories, other.categories)
                && Arrays.equals(embedding, other.embedding);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, eventTime, Arrays.hashCode(scalars), Arrays.hashCode(categories),
                Arrays.hashCode(embedding));
    }

    @Override
    public String toString() {
        return "DriftFeatures{id=" + id + ", eventTime=" + eventTime + ", scalars=" + Arrays.toString(scalars)
                + ", categories=" + Arrays.toString(categories)
                + ", dims=" + (embedding == null ? 0 : embedding.length) + "}";
    }
}
