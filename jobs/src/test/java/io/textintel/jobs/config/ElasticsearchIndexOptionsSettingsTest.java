package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.VectorIndexOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElasticsearchIndexOptionsSettingsTest {

    private static final String PIPELINE = """
            kafka:
              bootstrap-servers: kafka:9092
              topics: [feedback]
            elasticsearch:
              hosts: [http://es:9200]
            tasks:
              embed:
                kind: embed
                model: maven:all-minilm-l6-v2
            """;

    @Test
    void withoutKeysTheTypeFollowsTheDims() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of());
        assertThat(config.elasticsearch().indexOptions().options(384))
                .isEqualTo(new VectorIndexOptions(VectorIndexOptions.Type.BBQ_HNSW, 16, 100));
        assertThat(config.elasticsearch().indexOptions().options(32))
                .isEqualTo(new VectorIndexOptions(VectorIndexOptions.Type.INT8_HNSW, 16, 100));
    }

    @Test
    void bbqForTooFewDimsNamesTheKey() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.index-options.type=bbq_hnsw"));
        assertThatThrownBy(() -> config.elasticsearch().indexOptions().options(32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("elasticsearch.index-options.type: index_options type bbq_hnsw needs at "
                        + "least 64 embedding dims, the embedding model has 32");
    }

    @Test
    void everyKeyIsRead() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.index-options.type=bbq_hnsw", "elasticsearch.index-options.m=32",
                "elasticsearch.index-options.ef-construction=200"));
        assertThat(config.elasticsearch().indexOptions().options(384))
                .isEqualTo(new VectorIndexOptions(VectorIndexOptions.Type.BBQ_HNSW, 32, 200));
    }

    @Test
    void theYamlBlockIsRead() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE.replace("  hosts: [http://es:9200]\n", """
                  hosts: [http://es:9200]
                  index-options:
                    type: hnsw
                """), "test.yaml", List.of());
        assertThat(config.elasticsearch().indexOptions().options(384))
                .isEqualTo(new VectorIndexOptions(VectorIndexOptions.Type.HNSW, 16, 100));
    }

    @Test
    void badValuesAreReportedWithTheirKeys() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.index-options.type=flat", "elasticsearch.index-options.m=1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.index-options.type is 'flat', expected one of "
                        + "[hnsw, int8_hnsw, bbq_hnsw]")
                .hasMessageContaining("elasticsearch.index-options.m is 1, expected 2 to 512");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.index-options.m=64", "elasticsearch.index-options.ef-construction=32")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.index-options.ef-construction is 32, expected at least "
                        + "elasticsearch.index-options.m (64) and at most 3200");
    }
}
