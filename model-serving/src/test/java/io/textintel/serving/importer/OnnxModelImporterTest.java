package io.textintel.serving.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.NodeProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.onnx.OnnxWeights;
import io.textintel.serving.weights.onnx.TinyBertExportAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelImporterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A WordPiece tokenizer.json carrying the limits LangChain4j embeds (truncate and pad to 128). */
    private static final String TOKENIZER = """
            {"version": "1.0",
             "truncation": {"direction": "Right", "max_length": 128, "strategy": "LongestFirst", "stride": 0},
             "padding": {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": null, "pad_id": 0,
                         "pad_type_id": 0, "pad_token": "[PAD]"},
             "added_tokens": [{"id": 0, "content": "[PAD]", "special": true}, {"id": 1, "content": "[UNK]", "special": true},
                              {"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
             "normalizer": {"type": "BertNormalizer", "lowercase": true},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}}}
            """;

    @TempDir
    Path root;

    private static ModelSource tiny(long seed) {
        byte[] onnx = new TinyBertExportAccess(seed, 2).bytes();
        return ModelSource.bytes("tiny", onnx, TOKENIZER.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writesADirectoryTheEngineLoadsWithTheWeightsOfTheExport() throws IOException {
        ModelSource source = tiny(1);
        OnnxModelImporter.Result result = OnnxModelImporter.importInto(root.resolve("tiny"), source,
                ImportSpec.embedder("org/tiny", "MIT", PoolingMode.CLS));

        Path dir = result.directory();
        assertThat(result.written()).isTrue();
        EncoderConfig config = EncoderConfig.read(dir);
        assertThat(config.numAttentionHeads()).isEqualTo(2);
        assertThat(config.numHiddenLayers()).isEqualTo(2);
        PoolingConfig pooling = PoolingConfig.read(dir).orElseThrow();
        assertThat(pooling.mode()).isEqualTo(PoolingMode.CLS);
        assertThat(pooling.normalize()).isTrue();
        OnnxWeights onnx;
        try (var in = source.openOnnx()) {
            onnx = OnnxWeights.read(in, "tiny");
        }
        try (CheckpointWeights written = CheckpointWeights.open(dir)) {
            assertThat(written.tensorNames()).containsExactlyInAnyOrderElementsOf(onnx.tensorNames());
            for (String name : onnx.tensorNames()) {
                assertThat(written.readFloats(name)).as(name).containsExactly(onnx.readFloats(name)); // F32 kept exactly
            }
        }
        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.get("truncation").isNull()).isTrue();
        assertThat(tokenizer.get("padding").isNull()).isTrue();
        assertThat(tokenizer.path("model").path("vocab").size()).isEqualTo(4);
        JsonNode tokenizerConfig = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        assertThat(tokenizerConfig.path("model_max_length").asInt()).isEqualTo(config.maxPositionEmbeddings());
        assertThat(tokenizerConfig.path("do_lower_case").asBoolean()).isTrue();
        JsonNode provenance = JSON.readTree(dir.resolve(OnnxModelImporter.PROVENANCE_FILE).toFile());
        assertThat(provenance.path("name").asText()).isEqualTo("org/tiny");
        assertThat(provenance.path("license").asText()).isEqualTo("MIT");
        byte[] onnxBytes;
        try (var in = source.openOnnx()) {
            onnxBytes = in.readAllBytes();
        }
        assertThat(provenance.path("onnx_sha256").asText()).isEqualTo(OnnxModelImporter.sha256(onnxBytes));
        assertThat(provenance.path("producer").asText()).isEqualTo("pytorch 2.0.1");
        assertThat(siblings()).containsExactly("tiny");
    }

    @Test
    void aSecondImportOfTheSameSourceLeavesTheDirectoryAndAnotherSourceReplacesIt() throws IOException {
        Path target = root.resolve("tiny");
        ImportSpec spec = ImportSpec.embedder("org/tiny", "MIT", PoolingMode.MEAN);
        OnnxModelImporter.importInto(target, tiny(1), spec);
        Path marker = Files.writeString(target.resolve("marker"), "kept while the import is current");

        assertThat(OnnxModelImporter.importInto(target, tiny(1), spec).written()).isFalse();
        assertThat(marker).exists();

        assertThat(OnnxModelImporter.importInto(target, tiny(1), spec.withMaxSeqLength(5)).written())
                .as("other settings are another import").isTrue();
        assertThat(marker).doesNotExist();
        assertThat(OnnxModelImporter.importInto(target, tiny(2), spec).written()).as("other weights").isTrue();
        assertThat(siblings()).containsExactly("tiny");
    }

    @Test
    void aFailedImportLeavesNoDirectoryBehind() throws IOException {
        byte[] fused = new TinyBertExportAccess(3, 1).withNode(NodeProto.newBuilder()
                .setOpType("Attention").setDomain("com.microsoft").setName("Attention_0").addInput("x").addOutput("y")
                .build()).bytes();
        ModelSource source = ModelSource.bytes("fused", fused, TOKENIZER.getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> OnnxModelImporter.importInto(root.resolve("fused"), source,
                ImportSpec.embedder("org/fused", null, PoolingMode.MEAN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node Attention_0 (op com.microsoft.Attention) is fused by ONNX Runtime's graph optimizer");
        assertThat(siblings()).isEmpty();
    }

    @Test
    void importsDistilBertAndRobertaExportsIntoDirectoriesTheEngineLoads() throws IOException {
        // the import loads each directory into the engine before moving it into place
        Path distil = OnnxModelImporter.importInto(root.resolve("distil"), ModelSource.bytes("distil",
                TinyBertExportAccess.distilbert(4, 2).bytes(), TOKENIZER.getBytes(StandardCharsets.UTF_8)),
                ImportSpec.embedder("org/distil", "MIT", PoolingMode.MEAN)).directory();
        EncoderConfig distilConfig = EncoderConfig.read(distil);
        assertThat(distilConfig.modelType()).isEqualTo("distilbert");
        assertThat(distilConfig.numAttentionHeads()).isEqualTo(2);
        assertThat(distilConfig.typeVocabSize()).isZero();

        Path roberta = OnnxModelImporter.importInto(root.resolve("roberta"), ModelSource.bytes("roberta",
                TinyBertExportAccess.roberta(5, 2).bytes(), TOKENIZER.getBytes(StandardCharsets.UTF_8)),
                ImportSpec.embedder("org/roberta", "MIT", PoolingMode.MEAN)).directory();
        EncoderConfig robertaConfig = EncoderConfig.read(roberta);
        assertThat(robertaConfig.modelType()).isEqualTo("roberta");
        assertThat(robertaConfig.padTokenId()).as("the graph's padding id, not the tokenizer's pad_id 0").isEqualTo(1);
        assertThat(robertaConfig.maxSequenceLength()).isEqualTo(robertaConfig.maxPositionEmbeddings() - 2);
    }

    @Test
    void refusesAMaxSeqLengthBeyondThePositions() {
        assertThatThrownBy(() -> OnnxModelImporter.importInto(root.resolve("tiny"), tiny(1),
                ImportSpec.embedder("org/tiny", "MIT", PoolingMode.MEAN).withMaxSeqLength(7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_seq_length 7 of org/tiny exceeds the model's 6 positions");
    }

    @Test
    void aGivenConfigReplacesTheDerivedOne() throws IOException {
        Path config = root.resolve("given.json");
        Files.writeString(config, """
                {"model_type": "bert", "hidden_size": 4, "num_hidden_layers": 2, "num_attention_heads": 1,
                 "intermediate_size": 8, "max_position_embeddings": 6, "vocab_size": 11, "type_vocab_size": 2,
                 "layer_norm_eps": 1e-7, "hidden_act": "gelu"}
                """);
        Path dir = OnnxModelImporter.importInto(root.resolve("tiny"), tiny(1),
                ImportSpec.embedder("org/tiny", "MIT", PoolingMode.MEAN).withConfig(config)).directory();

        EncoderConfig read = EncoderConfig.read(dir);
        assertThat(read.numAttentionHeads()).isEqualTo(1);
        assertThat(read.layerNormEps()).isEqualTo(1e-7);
    }

    private List<String> siblings() throws IOException {
        try (Stream<Path> files = Files.list(root)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".json")).sorted().toList();
        }
    }
}
