package io.textintel.jobs.config;

import io.textintel.connectors.elasticsearch.VectorIndexOptions;

/**
 * How the documents template indexes the {@code embedding} field for kNN
 * ({@code elasticsearch.index-options}); see {@link VectorIndexOptions}.
 *
 * @param type {@code hnsw}, {@code int8_hnsw} or {@code bbq_hnsw}; {@code bbq_hnsw} needs an
 *     embedding of 64 dims or more; null (the default) picks {@link VectorIndexOptions#defaultType}
 *     for the embedding model's dims
 * @param m neighbours per node of the HNSW graph, 2 to 512 (default 16)
 * @param efConstruction candidates per insertion while building the graph, m to 3200 (default 100)
 */
public record ElasticsearchIndexOptionsSettings(String type, Integer m, Integer efConstruction) {

    public ElasticsearchIndexOptionsSettings {
        m = m == null ? VectorIndexOptions.DEFAULT_M : m;
        efConstruction = efConstruction == null ? VectorIndexOptions.DEFAULT_EF_CONSTRUCTION : efConstruction;
    }

    /** All defaults. */
    public static ElasticsearchIndexOptionsSettings defaults() {
        return new ElasticsearchIndexOptionsSettings(null, null, null);
    }

    void validate(ConfigProblems problems) {
        try {
            if (type != null) {
                VectorIndexOptions.Type.fromElasticsearchName(type);
            }
        } catch (IllegalArgumentException e) {
            problems.add("elasticsearch.index-options.type", "is '" + type + "'",
                    "one of " + VectorIndexOptions.Type.names());
        }
        if (m < 2 || m > 512) {
            problems.add("elasticsearch.index-options.m", "is " + m, "2 to 512");
        }
        if (efConstruction < m || efConstruction > 3200) {
            problems.add("elasticsearch.index-options.ef-construction", "is " + efConstruction,
                    "at least elasticsearch.index-options.m (" + m + ") and at most 3200");
        }
    }

    /**
     * The options for the documents template of an embedding of {@code dims}; call after {@link #validate}.
     *
     * @throws IllegalArgumentException when the configured type cannot index {@code dims}
     */
    public VectorIndexOptions options(int dims) {
        VectorIndexOptions.Type chosen = type == null
                ? VectorIndexOptions.defaultType(dims) : VectorIndexOptions.Type.fromElasticsearchName(type);
        VectorIndexOptions options = new VectorIndexOptions(chosen, m, efConstruction);
        try {
            options.checkDims(dims);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("elasticsearch.index-options.type: " + e.getMessage(), e);
        }
        return options;
    }
}
