package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A hand-built ONNX graph in the form torch.onnx exports a BERT encoder: named embeddings, biases
 * and LayerNorms, anonymous {@code onnx::MatMul_N} weights stored {@code [in, out]}, MatMul + Add
 * per linear layer named by module path, the attention Reshape constants and an Erf GELU. Not
 * meant to be run, only read: the reference weights are kept in Hugging Face form ({@code [out, in]}).
 */
final class TinyBertExport {

    static final int VOCAB = 11;
    static final int HIDDEN = 4;
    static final int HEADS = 2;
    static final int INTERMEDIATE = 8;
    static final int POSITIONS = 6;
    static final int TYPES = 2;
    static final float EPS = 1e-12f;

    /** How one tensor's elements are stored. */
    enum Storage { RAW, FLOAT_DATA }

    /** The encoder family: its tensor names, and how position ids are made. */
    enum Family { BERT, ROBERTA, DISTILBERT }

    /** RoBERTa's padding id, which its position ids are offset by. */
    static final int ROBERTA_PAD = 1;

    final Map<String, float[]> reference = new LinkedHashMap<>(); // HF name -> values, [out, in] for weights
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final GraphProto.Builder graph = GraphProto.newBuilder().setName("main_graph");
    private final Random random;
    private final Family family;
    private int anonymous = 700;
    private Storage storage = Storage.RAW;

    TinyBertExport(long seed, int layers) {
        this(seed, layers, Family.BERT);
    }

    TinyBertExport(long seed, int layers, Family family) {
        this.random = new Random(seed);
        this.family = family;
        named("embeddings.word_embeddings.weight", VOCAB, HIDDEN);
        named("embeddings.position_embeddings.weight", POSITIONS, HIDDEN);
        if (family == Family.BERT) {
            named("embeddings.token_type_embeddings.weight", TYPES, HIDDEN);
        } else if (family == Family.ROBERTA) {
            named("embeddings.token_type_embeddings.weight", 1, HIDDEN);
            // position ids = cumsum(ids != pad) * (ids != pad) + pad, as transformers' RoBERTa computes them
            constant("/embeddings/Constant", longs(ROBERTA_PAD));
            node("Equal", "/embeddings/Equal", List.of("input_ids", "/embeddings/Constant_output_0"),
                    "/embeddings/Equal_output_0");
            node("Not", "/embeddings/Not", List.of("/embeddings/Equal_output_0"), "/embeddings/Not_output_0");
            node("CumSum", "/embeddings/CumSum", List.of("/embeddings/Not_output_0", "/embeddings/Constant_output_0"),
                    "/embeddings/CumSum_output_0");
        }
        node("Gather", "/embeddings/word_embeddings/Gather", List.of("embeddings.word_embeddings.weight", "input_ids"),
                "/embeddings/word_embeddings/Gather_output_0");
        String x = layerNorm("/embeddings/LayerNorm", "embeddings.LayerNorm", "/embeddings/word_embeddings/Gather_output_0",
                true);
        for (int layer = 0; layer < layers; layer++) {
            x = layer(layer, x);
        }
        graph.addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(x));
    }

    /** Elements of the tensors added from now on are stored this way. */
    TinyBertExport storage(Storage value) {
        this.storage = value;
        return this;
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(6).setProducerName("pytorch").setProducerVersion("2.0.1")
                .addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setVersion(11))
                .setGraph(graph).build();
    }

    private String layer(int layer, String input) {
        boolean distil = family == Family.DISTILBERT;
        String path = (distil ? "/transformer/layer." : "/encoder/layer.") + layer + "/";
        String module = (distil ? "transformer.layer." : "encoder.layer.") + layer + ".";
        String self = distil ? "attention/" : "attention/self/";
        String query = linear(path + self + (distil ? "q_lin" : "query"),
                module + (distil ? "attention.q_lin" : "attention.self.query"), input, HIDDEN, HIDDEN);
        String key = linear(path + self + (distil ? "k_lin" : "key"),
                module + (distil ? "attention.k_lin" : "attention.self.key"), input, HIDDEN, HIDDEN);
        String value = linear(path + self + (distil ? "v_lin" : "value"),
                module + (distil ? "attention.v_lin" : "attention.self.value"), input, HIDDEN, HIDDEN);
        reshapeToHeads(path + self, key, 0);
        reshapeToHeads(path + self, value, 1);
        reshapeToHeads(path + self, query, 2);
        node("MatMul", path + self + "MatMul", List.of(query, key), path + self + "MatMul_output_0");
        String context = path + self + "MatMul_output_0";
        String attention = linear(path + (distil ? "attention/out_lin" : "attention/output/dense"),
                module + (distil ? "attention.out_lin" : "attention.output.dense"), context, HIDDEN, HIDDEN);
        String normed = layerNorm(path + (distil ? "sa_layer_norm" : "attention/output/LayerNorm"),
                module + (distil ? "sa_layer_norm" : "attention.output.LayerNorm"), attention, false);
        String up = linear(path + (distil ? "ffn/lin1" : "intermediate/dense"),
                module + (distil ? "ffn.lin1" : "intermediate.dense"), normed, HIDDEN, INTERMEDIATE);
        String act = path + (distil ? "ffn/activation/" : "intermediate/intermediate_act_fn/");
        constant(act + "Constant", scalar((float) Math.sqrt(2)));
        node("Div", act + "Div", List.of(up, act + "Constant_output_0"), act + "Div_output_0");
        node("Erf", act + "Erf", List.of(act + "Div_output_0"), act + "Erf_output_0");
        node("Mul", act + "Mul", List.of(up, act + "Erf_output_0"), act + "Mul_output_0");
        String down = linear(path + (distil ? "ffn/lin2" : "output/dense"), module + (distil ? "ffn.lin2" : "output.dense"),
                act + "Mul_output_0", INTERMEDIATE, HIDDEN);
        return layerNorm(path + (distil ? "output_layer_norm" : "output/LayerNorm"),
                module + (distil ? "output_layer_norm" : "output.LayerNorm"), down, false);
    }

    /** MatMul by an anonymous [in, out] initializer, then Add of the named bias; returns the output. */
    String linear(String path, String module, String input, int in, int out) {
        float[] weight = randoms(out * in); // [out, in]
        reference.put(module + ".weight", weight);
        shapes.put(module + ".weight", new long[] {out, in});
        float[] stored = new float[in * out]; // [in, out]
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                stored[i * out + o] = weight[o * in + i];
            }
        }
        String anon = "onnx::MatMul_" + anonymous++;
        graph.addInitializer(tensor(anon, stored, in, out));
        named(module + ".bias", out);
        node("MatMul", path + "/MatMul", List.of(input, anon), path + "/MatMul_output_0");
        node("Add", path + "/Add", List.of(module + ".bias", path + "/MatMul_output_0"), path + "/Add_output_0");
        return path + "/Add_output_0";
    }

    private void reshapeToHeads(String path, String input, int index) {
        String concat = path + "Concat_" + index;
        constant(path + "Heads_" + index, longs(HEADS));
        constant(path + "Size_" + index, longs(HIDDEN / HEADS));
        node("Shape", path + "Shape_" + index, List.of(input), path + "Shape_" + index + "_output_0");
        node("Concat", concat, List.of(path + "Shape_" + index + "_output_0", path + "Shape_" + index + "_output_0",
                path + "Heads_" + index + "_output_0", path + "Size_" + index + "_output_0"), concat + "_output_0");
        node("Reshape", path + "Reshape_" + index, List.of(input, concat + "_output_0"),
                path + "Reshape_" + index + "_output_0");
    }

    /** LayerNorm as torch.onnx decomposes it (opset 11): (x - mean) / sqrt(var + eps) * weight + bias. */
    private String layerNorm(String path, String module, String input, boolean decomposed) {
        named(module + ".weight", HIDDEN);
        named(module + ".bias", HIDDEN);
        String scaled = path + "/Div_output_0";
        if (decomposed) {
            node("ReduceMean", path + "/ReduceMean", List.of(input), path + "/ReduceMean_output_0");
            node("Sub", path + "/Sub", List.of(input, path + "/ReduceMean_output_0"), path + "/Sub_output_0");
            constant(path + "/Constant_1", scalar(EPS));
            node("Add", path + "/Add", List.of(path + "/ReduceMean_output_0", path + "/Constant_1_output_0"),
                    path + "/Add_output_0");
            node("Sqrt", path + "/Sqrt", List.of(path + "/Add_output_0"), path + "/Sqrt_output_0");
            node("Div", path + "/Div", List.of(path + "/Sub_output_0", path + "/Sqrt_output_0"), scaled);
        } else {
            node("Identity", path + "/Identity", List.of(input), scaled);
        }
        node("Mul", path + "/Mul", List.of(scaled, module + ".weight"), path + "/Mul_output_0");
        node("Add", path + "/Add_1", List.of(path + "/Mul_output_0", module + ".bias"), path + "/Add_1_output_0");
        return path + "/Add_1_output_0";
    }

    void named(String name, int... shape) {
        long count = 1;
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            count *= shape[i];
            dims[i] = shape[i];
        }
        float[] values = randoms((int) count);
        reference.put(name, values);
        shapes.put(name, dims);
        graph.addInitializer(tensor(name, values, shape));
    }

    NodeProto node(String op, String name, List<String> inputs, String output) {
        NodeProto node = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
        graph.addNode(node);
        return node;
    }

    private void constant(String name, TensorProto value) {
        graph.addNode(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name + "_output_0")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(value)));
    }

    TensorProto tensor(String name, float[] values, int... shape) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int dim : shape) {
            tensor.addDims(dim);
        }
        if (storage == Storage.RAW) {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            tensor.setRawData(ByteString.copyFrom(bytes));
        } else {
            for (float value : values) {
                tensor.addFloatData(value);
            }
        }
        return tensor.build();
    }

    private static TensorProto scalar(float value) {
        return TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(value).build();
    }

    private static TensorProto longs(long... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long value : values) {
            tensor.addInt64Data(value);
        }
        return tensor.build();
    }

    private float[] randoms(int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
