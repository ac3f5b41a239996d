package io.textintel.operators.drift;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One document's drift features as the window aggregate consumes them: the scalars, the embedding's
 * projections onto the reference directions and its reconstruction error, the categories and the
 * embedding. Made by {@link ReferenceProfile#project(DriftFeatures)}. A Flink POJO (public fields,
 * no-argument constructor).
 */
public final class ProjectedFeatures implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The document's id. */
    public String id;

    /** Event time in epoch milliseconds. */
    public long eventTime;

    /**
     * One value per {@link ScalarFeature} by ordinal, then, when the reference monitors embeddings, one
     * projection per reference direction and the reconstruction error; {@code NaN} where absent.
     */
    public double[] values; // [scalars + directions + 1] or [scalars]

    /** One value per {@link CategoricalFeature} by ordinal; {@code null} where absent. */
    public String[] categories; // [categorical features]

    /** The embedding, or {@code null} when the document has none or the reference monitors none. */
    public float[] embedding; // [dims]

    public ProjectedFeatures() {}

    public ProjectedFeatures(String id, long eventTime, double[] values, String[] categories, float[] embedding) {
        this.id = id;
        this.eventTime = eventTime;
        this.values = values;
        this.categories = categories;
        this.embedding = embedding;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProjectedFeatures other
                && eventTime == other.eventTime
                && Objects.equals(id, other.id)
                && Arrays.equals(values, other.values)
                && Arrays.equals(categories, other.categories)
                && Arrays.equals(embedding, other.embedding);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, eventTime, Arrays.hashCode(values), Arrays.hashCode(categories),
                Arrays.hashCode(embedding));
    }

    @Override
    public String toString() {
        return "ProjectedFeatures{id=" + id + ", eventTime=" + eventTime + ", values=" + Arrays.toString(values)
                + ", categories=" + Arrays.toString(categories)
                + ", dims=" + (embedding == null ? 0 : embedding.length) + "}";
    }
}
