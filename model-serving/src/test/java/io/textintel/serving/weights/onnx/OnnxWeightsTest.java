package io.textintel.serving.weights.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.Float16;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxWeightsTest {

    @TempDir
    Path dir;

    @Test
    void namesEveryTensorAsHuggingFaceDoesAndReadsMatMulWeightsTransposedToOutIn() {
        TinyBertExport export = new TinyBertExport(1, 2);
        try (OnnxWeights weights = OnnxWeights.of(export.model(), "tiny")) {
            assertThat(weights.tensorNames()).containsExactlyInAnyOrderElementsOf(export.reference.keySet());
            for (Map.Entry<String, float[]> tensor : export.reference.entrySet()) {
                String name = tensor.getKey();
                // exact: reading is a copy and a transpose, no arithmetic
                assertThat(weights.readFloats(name)).as(name).containsExactly(tensor.getValue());
                assertThat(weights.info(name).shape()).as(name).containsExactly(export.shapes.get(name));
                assertThat(weights.info(name).dtype()).isEqualTo(DType.F32);
            }
        }
    }

    @Test
    void readsFloatDataAsWellAsRawData() {
        TinyBertExport export = new TinyBertExport(2, 1).storage(TinyBertExport.Storage.FLOAT_DATA);
        export.linear("/pooler/dense", "pooler.dense", "x", TinyBertExport.HIDDEN, TinyBertExport.HIDDEN);
        try (OnnxWeights weights = OnnxWeights.of(export.model(), "tiny")) {
            assertThat(weights.readFloats("pooler.dense.weight")).containsExactly(export.reference.get("pooler.dense.weight"));
            assertThat(weights.readFloats("pooler.dense.bias")).containsExactly(export.reference.get("pooler.dense.bias"));
        }
    }

    @Test
    void derivesTheConfigFromShapesAndTheAttentionReshapeConstants() {
        TinyBertExport export = new TinyBertExport(3, 3);
        EncoderConfig config = OnnxWeights.of(export.model(), "tiny").deriveConfig(OptionalInt.empty());

        assertThat(config.modelType()).isEqualTo("bert");
        assertThat(config.hiddenSize()).isEqualTo(TinyBertExport.HIDDEN);
        assertThat(config.numHiddenLayers()).isEqualTo(3);
        assertThat(config.numAttentionHeads()).isEqualTo(TinyBertExport.HEADS);
        assertThat(config.intermediateSize()).isEqualTo(TinyBertExport.INTERMEDIATE);
        assertThat(config.vocabSize()).isEqualTo(TinyBertExport.VOCAB);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(TinyBertExport.POSITIONS);
        assertThat(config.typeVocabSize()).isEqualTo(TinyBertExport.TYPES);
        assertThat(config.layerNormEps()).isEqualTo(1e-12);
        assertThat(config.hiddenAct()).isEqualTo("gelu");
    }

    @Test
    void derivesRobertaFromPositionIdsMadeOfTheInputIdsWithTheirPaddingId() {
        TinyBertExport export = new TinyBertExport(11, 2, TinyBertExport.Family.ROBERTA);
        EncoderConfig config = OnnxWeights.of(export.model(), "tiny").deriveConfig(OptionalInt.empty());

        assertThat(config.modelType()).isEqualTo("roberta");
        assertThat(config.padTokenId()).isEqualTo(TinyBertExport.ROBERTA_PAD);
        assertThat(config.offsetsPositionsByPadding()).isTrue();
        assertThat(config.typeVocabSize()).isEqualTo(1);
        assertThat(config.numAttentionHeads()).isEqualTo(TinyBertExport.HEADS);
    }

    @Test
    void derivesDistilBertFromItsTensorNames() {
        TinyBertExport export = new TinyBertExport(12, 2, TinyBertExport.Family.DISTILBERT);
        try (OnnxWeights weights = OnnxWeights.of(export.model(), "tiny")) {
            assertThat(weights.tensorNames()).contains("transformer.layer.1.attention.q_lin.weight",
                    "transformer.layer.1.ffn.lin2.weight", "transformer.layer.1.sa_layer_norm.weight");
            EncoderConfig config = weights.deriveConfig(OptionalInt.empty());
            assertThat(config.modelType()).isEqualTo("distilbert");
            assertThat(config.numHiddenLayers()).isEqualTo(2);
            assertThat(config.numAttentionHeads()).isEqualTo(TinyBertExport.HEADS);
            assertThat(config.intermediateSize()).isEqualTo(TinyBertExport.INTERMEDIATE);
            assertThat(config.typeVocabSize()).isZero();
            assertThat(config.hiddenAct()).isEqualTo("gelu");
        }
    }

    @Test
    void withoutHeadConstantsTheHeadCountMustBeGiven() {
        TinyBertExport export = new TinyBertExport(4, 1);
        GraphProto.Builder graph = export.graph;
        for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
            if (graph.getNode(i).getOpType().equals("Reshape")) {
                graph.removeNode(i);
            }
        }
        OnnxWeights weights = OnnxWeights.of(export.model(), "tiny");

        assertThatThrownBy(() -> weights.deriveConfig(OptionalInt.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read the number of attention heads")
                .hasMessageContaining("give num_attention_heads");
        assertThat(weights.deriveConfig(OptionalInt.of(1)).numAttentionHeads()).isEqualTo(1);
    }

    @Test
    void readsF16InitializersFromRawDataAndFromInt32Data() {
        TinyBertExport export = new TinyBertExport(5, 1);
        float[] values = {0.5f, -1.25f, 3.0f, 65504f};
        ByteBuffer raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        TensorProto.Builder int32 = TensorProto.newBuilder().setName("extra.half_int32.weight")
                .setDataType(TensorProto.DataType.FLOAT16_VALUE).addDims(4);
        for (float value : values) {
            raw.putShort(Float16.fromFloat(value));
            int32.addInt32Data(Float16.fromFloat(value) & 0xffff);
        }
        export.graph.addInitializer(TensorProto.newBuilder().setName("extra.half_raw.weight")
                .setDataType(TensorProto.DataType.FLOAT16_VALUE).addDims(4).setRawData(ByteString.copyFrom(raw.array())));
        export.graph.addInitializer(int32);
        try (OnnxWeights weights = OnnxWeights.of(export.model(), "tiny")) {
            // values chosen exactly representable in F16, so the comparison is exact
            assertThat(weights.info("extra.half_raw.weight").dtype()).isEqualTo(DType.F16);
            assertThat(weights.readFloats("extra.half_raw.weight")).containsExactly(values);
            assertThat(weights.readFloats("extra.half_int32.weight")).containsExactly(values);
        }
    }

    @Test
    void readsExternalDataFromTheFileBesideTheModel() throws IOException {
        TinyBertExport export = new TinyBertExport(6, 1);
        GraphProto.Builder graph = export.graph;
        int index = indexOf(graph, "embeddings.word_embeddings.weight");
        TensorProto inline = graph.getInitializer(index);
        Files.write(dir.resolve("model.onnx_data"), concat(new byte[16], inline.getRawData().toByteArray()));
        graph.setInitializer(index, inline.toBuilder().clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "model.onnx_data"))
                .addExternalData(entry("offset", "16"))
                .addExternalData(entry("length", Integer.toString(inline.getRawData().size()))));
        Path onnx = dir.resolve("model.onnx");
        Files.write(onnx, export.model().toByteArray());

        try (OnnxWeights weights = OnnxWeights.open(onnx)) {
            assertThat(weights.readFloats("embeddings.word_embeddings.weight"))
                    .containsExactly(export.reference.get("embeddings.word_embeddings.weight"));
        }
        OnnxWeights streamed = OnnxWeights.read(Files.newInputStream(onnx), "stream");
        assertThatThrownBy(() -> streamed.readFloats("embeddings.word_embeddings.weight"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keeps its data in external file model.onnx_data");
    }

    @Test
    void refusesTheQuantizedMiniLmNamingTheQuantizedNode() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-q.onnx")) {
            assertThat(in).as("the quantized MiniLM jar is a test dependency").isNotNull();
            assertThatThrownBy(() -> OnnxWeights.read(in, "all-minilm-l6-v2-q.onnx"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("all-minilm-l6-v2-q.onnx: node ")
                    .hasMessageContaining("is a quantized op")
                    .hasMessageContaining("expected an FP32 or FP16 export")
                    .hasMessageMatching("(?s).*\\(op (DynamicQuantizeLinear|MatMulInteger|DequantizeLinear)\\).*");
        }
    }

    @Test
    void refusesFusedOpsOfOnnxRuntimesOptimizerAndUnknownOps() {
        TinyBertExport fused = new TinyBertExport(7, 1);
        fused.graph.addNode(NodeProto.newBuilder().setOpType("SkipLayerNormalization").setDomain("com.microsoft")
                .setName("SkipLayerNorm_AddBias_3").addInput("a").addInput("b").addOutput("c"));
        assertThatThrownBy(() -> OnnxWeights.of(fused.model(), "optimized.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node SkipLayerNorm_AddBias_3 (op com.microsoft.SkipLayerNormalization)")
                .hasMessageContaining("fused by ONNX Runtime's graph optimizer")
                .hasMessageContaining("expected the unoptimized export");

        TinyBertExport conv = new TinyBertExport(8, 1);
        conv.node("Conv", "/features/Conv", List.of("x", "w"), "y");
        assertThatThrownBy(() -> OnnxWeights.of(conv.model(), "cnn.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node /features/Conv (op Conv) is not an op of a BERT-family encoder export");
    }

    @Test
    void refusesAMatMulWeightWithoutANamedBiasAdd() {
        TinyBertExport export = new TinyBertExport(9, 1);
        export.graph.addInitializer(export.tensor("onnx::MatMul_999", new float[16], 4, 4));
        export.node("MatMul", "/classifier/MatMul", List.of("x", "onnx::MatMul_999"), "/classifier/MatMul_output_0");
        export.node("Relu", "/classifier/Relu", List.of("/classifier/MatMul_output_0"), "/classifier/Relu_output_0");
        assertThatThrownBy(() -> OnnxWeights.of(export.model(), "tiny"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node /classifier/MatMul (op MatMul) multiplies by weight onnx::MatMul_999")
                .hasMessageContaining("node /classifier/Relu (op Relu)")
                .hasMessageContaining("expected exactly one Add with a named bias initializer");
    }

    @Test
    void refusesANodePathThatNamesAnotherModuleThanItsBias() {
        TinyBertExport export = new TinyBertExport(10, 1);
        export.named("pooler.dense.bias", 4);
        export.graph.addInitializer(export.tensor("onnx::MatMul_998", new float[16], 4, 4));
        export.node("MatMul", "/classifier/MatMul", List.of("x", "onnx::MatMul_998"), "/classifier/MatMul_output_0");
        export.node("Add", "/classifier/Add", List.of("pooler.dense.bias", "/classifier/MatMul_output_0"), "y");
        assertThatThrownBy(() -> OnnxWeights.of(export.model(), "tiny"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is in module classifier but adds bias pooler.dense.bias");
    }

    @Test
    void mapsTheShippedMiniLmExportsWeightsOntoTheHuggingFaceNames() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx");
                OnnxWeights weights = OnnxWeights.read(in, "all-minilm-l6-v2.onnx")) {
            Set<String> expected = new TreeSet<>(List.of("embeddings.word_embeddings.weight",
                    "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
                    "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "embeddings.position_ids"));
            for (int layer = 0; layer < 6; layer++) {
                for (String part : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                        "attention.output.dense", "intermediate.dense", "output.dense", "attention.output.LayerNorm",
                        "output.LayerNorm")) {
                    expected.add("encoder.layer." + layer + "." + part + ".weight");
                    expected.add("encoder.layer." + layer + "." + part + ".bias");
                }
            }
            assertThat(weights.tensorNames()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(weights.info("encoder.layer.0.intermediate.dense.weight").shape()).containsExactly(1536, 384);
            assertThat(weights.info("encoder.layer.0.output.dense.weight").shape()).containsExactly(384, 1536);
            assertThat(weights.producer()).isEqualTo("pytorch 2.0.1");
        }
    }

    private static int indexOf(GraphProto.Builder graph, String name) {
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no initializer " + name);
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
