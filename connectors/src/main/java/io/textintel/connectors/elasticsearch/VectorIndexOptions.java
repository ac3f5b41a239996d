package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import java.util.Objects;

/**
 * How Elasticsearch indexes the {@code embedding} field for approximate kNN search: the HNSW graph
 * parameters and whether vectors are stored quantized.
 *
 * @param type {@link Type#HNSW} keeps float32 vectors; {@link Type#INT8_HNSW} quantizes them to
 *     int8 (about 4x less memory, slightly lower recall)
 * @param m neighbours per node in the HNSW graph
 * @param efConstruction candidates considered per insertion while building the graph
 */
public record VectorIndexOptions(Type type, int m, int efConstruction) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Float32 HNSW with m=16 and ef_construction=100. */
    public static final VectorIndexOptions DEFAULT = new VectorIndexOptions(Type.HNSW, 16, 100);

    public VectorIndexOptions {
        Objects.requireNonNull(type, "type");
        if (m < 2 || m > 512) {
            throw new IllegalArgumentException("HNSW m is " + m + ", expected 2 to 512.");
        }
        if (efConstruction < m || efConstruction > 3200) {
            throw new IllegalArgumentException("HNSW ef_construction is " + efConstruction
                    + ", expected at least m (" + m + ") and at most 3200.");
        }
    }

    /** The {@code index_options.type} values this project uses. */
    public enum Type {
        HNSW("hnsw"),
        INT8_HNSW("int8_hnsw");

        private final String elasticsearchName;

        Type(String elasticsearchName) {
            this.elasticsearchName = elasticsearchName;
        }

        /** The name in the mapping, e.g. {@code int8_hnsw}. */
        public String elasticsearchName() {
            return elasticsearchName;
        }
    }
}
