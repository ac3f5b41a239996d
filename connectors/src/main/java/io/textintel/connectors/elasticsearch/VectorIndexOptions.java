package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How Elasticsearch indexes the {@code embedding} field for approximate kNN search: the HNSW graph
 * parameters and how vectors are quantized in the graph. The project always writes these
 * {@code index_options}: from Elasticsearch 9.1 on, an unspecified {@code dense_vector} of 384 dims
 * or more defaults to {@code bbq_hnsw}, on 8.x to {@code int8_hnsw}.
 *
 * @param type {@link Type#HNSW} keeps float32 vectors; {@link Type#INT8_HNSW} quantizes them to
 *     int8 (about 4x less vector memory); {@link Type#BBQ_HNSW} to one bit per dimension (about 32x
 *     less, needs {@value Type#BBQ_MIN_DIMS} dims or more)
 * @param m neighbours per node in the HNSW graph
 * @param efConstruction candidates considered per insertion while building the graph
 */
public record VectorIndexOptions(Type type, int m, int efConstruction) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** HNSW m when none is configured, Elasticsearch's own default. */
    public static final int DEFAULT_M = 16;

    /** HNSW ef_construction when none is configured, Elasticsearch's own default. */
    public static final int DEFAULT_EF_CONSTRUCTION = 100;

    /**
     * The options when none are configured, for an embedding of {@code dims}: {@code bbq_hnsw} from
     * {@value Type#BBQ_MIN_DIMS} dims on, else {@code int8_hnsw}, with m=16 and ef_construction=100.
     * In the README's measurement on the demo's all-MiniLM-L6-v2 embeddings (384 dims), bbq_hnsw's
     * recall@10 (0.999 on 8.19 and 9.5) is above int8_hnsw's (0.983 to 0.993) and within a point
     * of float32 hnsw, from a quantized copy of one bit per dimension; below 64 dims bbq is refused.
     */
    public static VectorIndexOptions defaultFor(int dims) {
        return new VectorIndexOptions(defaultType(dims), DEFAULT_M, DEFAULT_EF_CONSTRUCTION);
    }

    /** The type {@link #defaultFor} picks for {@code dims}. */
    public static Type defaultType(int dims) {
        return dims >= Type.BBQ_MIN_DIMS ? Type.BBQ_HNSW : Type.INT8_HNSW;
    }

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

    /**
     * Checks that {@code dims} suits {@link #type()}.
     *
     * @throws IllegalArgumentException when the type cannot index vectors of that many dims
     */
    public void checkDims(int dims) {
        if (dims < type.minDims()) {
            throw new IllegalArgumentException(String.format(
                    "index_options type %s needs at least %d embedding dims, the embedding model has %d; "
                            + "expected %s or %s for this model",
                    type.elasticsearchName(), type.minDims(), dims,
                    Type.INT8_HNSW.elasticsearchName(), Type.HNSW.elasticsearchName()));
        }
    }

    /** The {@code index_options.type} values this project writes. */
    public enum Type {
        HNSW("hnsw", 1),
        INT8_HNSW("int8_hnsw", 1),
        BBQ_HNSW("bbq_hnsw", Type.BBQ_MIN_DIMS);

        /** The fewest dims Elasticsearch indexes with {@code bbq_hnsw}. */
        public static final int BBQ_MIN_DIMS = 64;

        private final String elasticsearchName;
        private final int minDims;

        Type(String elasticsearchName, int minDims) {
            this.elasticsearchName = elasticsearchName;
            this.minDims = minDims;
        }

        /** The name in the mapping, e.g. {@code int8_hnsw}. */
        public String elasticsearchName() {
            return elasticsearchName;
        }

        /** The fewest dims this type indexes. */
        public int minDims() {
            return minDims;
        }

        /**
         * The type of mapping name {@code name} ({@code hnsw}, {@code int8_hnsw}, {@code bbq_hnsw}; any case).
         *
         * @throws IllegalArgumentException naming the accepted names otherwise
         */
        public static Type fromElasticsearchName(String name) {
            String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
            return Arrays.stream(values())
                    .filter(t -> t.elasticsearchName.equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("index_options type is '" + name
                            + "', expected one of " + names()));
        }

        /** The accepted names, e.g. {@code [hnsw, int8_hnsw, bbq_hnsw]}. */
        public static String names() {
            return Arrays.toString(Arrays.stream(values()).map(Type::elasticsearchName).toArray());
        }
    }
}
