package io.textintel.operators.drift;

/** A categorical property of one document whose distribution the drift monitor compares with the reference. */
public enum CategoricalFeature {
    /** The best topic tag's label. */
    TOPIC("topic"),
    /** The language the producer declared. */
    LANGUAGE("language");

    private final String key;

    CategoricalFeature(String key) {
        this.key = key;
    }

    /** The name used in reports, e.g. {@code topic}. */
    public String key() {
        return key;
    }
}
