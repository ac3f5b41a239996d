package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the initializers of a PyTorch ONNX export of a BERT-family encoder map onto Hugging Face
 * tensor names.
 *
 * <p>torch.onnx keeps a module parameter's name where the graph uses it as it is (embeddings,
 * biases, LayerNorms), but a linear layer's weight is used transposed ({@code x @ W^T}), so it is
 * folded into an anonymous initializer {@code onnx::MatMul_N} of shape {@code [in, out]}. Each such
 * weight feeds one {@code MatMul} whose output is added to the layer's named bias: the bias's name
 * {@code <module>.bias} gives the weight's name {@code <module>.weight}, and the MatMul's node name
 * ({@code /encoder/layer.0/attention/self/query/MatMul}) must agree with it when it is a path.
 *
 * <p>The ops are checked first: quantized ops and the fused ops of ONNX Runtime's optimizer carry
 * no weights in this form, and are refused with the node that uses them.
 *
 * @param tensors Hugging Face name to the initializer holding it, and whether it is stored
 *     transposed ({@code [in, out]})
 * @param linearOutputs for each linear layer's module name, the {@code Add} node that produces its output
 */
record EncoderGraphMapping(Map<String, Source> tensors, Map<String, NodeProto> linearOutputs) {

    /** One tensor of the checkpoint: an initializer, read as stored or transposed. */
    record Source(TensorProto tensor, boolean transposed) {}

    private static final Set<String> QUANTIZED = Set.of("MatMulInteger", "DynamicQuantizeLinear", "QLinearMatMul",
            "QuantizeLinear", "DequantizeLinear", "ConvInteger", "QLinearConv", "QLinearAdd", "QLinearMul",
            "QAttention", "QOrderedMatMul", "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulNBits",
            "MatMulBnb4", "GatherBlockQuantized");

    private static final Set<String> FUSED = Set.of("Attention", "MultiHeadAttention", "SkipLayerNormalization",
            "EmbedLayerNormalization", "SkipSimplifiedLayerNormalization", "BiasGelu", "FastGelu", "FusedMatMul",
            "FusedGemm", "BiasAdd", "BiasSoftmax", "PackedAttention", "PackedMultiHeadAttention", "GroupQueryAttention",
            "RotaryEmbedding", "SimplifiedLayerNormalization");

    /** The standard ops a torch.onnx export of a BERT-family encoder consists of. */
    private static final Set<String> SUPPORTED = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh",
            "Relu", "Gelu", "Sigmoid", "ReduceMean", "MatMul", "Gather", "Shape", "Size", "Unsqueeze", "Squeeze",
            "Concat", "Reshape", "Transpose", "Softmax", "Cast", "Constant", "ConstantOfShape", "Slice", "Equal",
            "Where", "Expand", "Identity", "LayerNormalization", "Range", "Not", "Less", "Greater", "Neg", "CumSum",
            "Min", "Max", "Flatten", "Dropout", "Sum", "Mod", "And", "Or", "Trilu", "Split", "IsNaN", "Reciprocal");

    /**
     * Checks the graph's ops and names its initializers.
     *
     * @throws IllegalArgumentException naming the node or initializer that cannot be mapped and what
     *     was expected
     */
    static EncoderGraphMapping of(OnnxGraph graph) {
        checkOps(graph);
        Map<String, Source> tensors = new TreeMap<>();
        Map<String, NodeProto> linearOutputs = new TreeMap<>();
        Map<String, String> weightNames = new TreeMap<>(); // initializer -> HF name
        for (NodeProto node : graph.nodes()) {
            if (!node.getOpType().equals("MatMul") || node.getInputCount() != 2) {
                continue;
            }
            Optional<Source> weight = weightOperand(graph, node.getInput(1));
            if (weight.isEmpty()) {
                continue; // activations times activations: attention scores and context
            }
            NodeProto add = biasAdd(graph, node);
            String bias = otherInput(add, node.getOutput(0));
            String module = bias.substring(0, bias.length() - ".bias".length());
            checkNodePath(node, module, bias);
            String name = module + ".weight";
            String initializer = weight.get().tensor().getName();
            String previous = weightNames.putIfAbsent(initializer, name);
            if (previous != null && !previous.equals(name)) {
                throw new IllegalArgumentException("initializer " + initializer + " is the weight of both " + previous
                        + " and " + name + ", expected each linear weight to belong to one module");
            }
            if (previous == null && tensors.putIfAbsent(name, weight.get()) != null) {
                throw new IllegalArgumentException(OnnxGraph.describe(node) + " maps to " + name
                        + ", which another MatMul already maps to; expected one MatMul per linear layer");
            }
            linearOutputs.put(module, add);
        }
        for (Map.Entry<String, TensorProto> entry : graph.initializers().entrySet()) {
            String initializer = entry.getKey();
            if (weightNames.containsKey(initializer)) {
                continue;
            }
            TensorProto tensor = entry.getValue();
            if (isModuleName(initializer)) {
                if (tensors.putIfAbsent(initializer, new Source(tensor, false)) != null) {
                    throw new IllegalArgumentException("initializer " + initializer
                            + " has the name a MatMul weight was mapped to, expected distinct names");
                }
            } else if (tensor.getDimsCount() >= 2 && OnnxTensors.dtype(tensor).isFloatingPoint()) {
                throw new IllegalArgumentException("initializer " + initializer + " " + tensor.getDimsList()
                        + " is anonymous and is not the weight operand of a MatMul followed by a bias Add (it feeds "
                        + graph.consumers(initializer).stream().map(OnnxGraph::describe).toList()
                        + "), expected every weight matrix to map to a Hugging Face module");
            }
        }
        return new EncoderGraphMapping(tensors, linearOutputs);
    }

    private static void checkOps(OnnxGraph graph) {
        for (NodeProto node : graph.nodes()) {
            String op = node.getOpType();
            if (QUANTIZED.contains(op)) {
                throw new IllegalArgumentException(OnnxGraph.describe(node) + " is a quantized op: the export is"
                        + " quantized, expected an FP32 or FP16 export whose MatMul weights are float initializers");
            }
            if (FUSED.contains(op)) {
                throw new IllegalArgumentException(OnnxGraph.describe(node) + " is fused by ONNX Runtime's graph"
                        + " optimizer, expected the unoptimized export of the model (MatMul + Add per linear layer)");
            }
            boolean standardDomain = node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
            if (!standardDomain || !SUPPORTED.contains(op)) {
                throw new IllegalArgumentException(OnnxGraph.describe(node) + " is not an op of a BERT-family"
                        + " encoder export, expected only standard ONNX ops such as " + new TreeSet<>(SUPPORTED));
            }
        }
    }

    /** The initializer multiplied by a MatMul: used as stored ([in, out]), or through a Transpose ([out, in]). */
    private static Optional<Source> weightOperand(OnnxGraph graph, String value) {
        TensorProto tensor = graph.initializers().get(value);
        if (tensor != null) {
            return tensor.getDimsCount() == 2 ? Optional.of(new Source(tensor, true)) : Optional.empty();
        }
        Optional<NodeProto> producer = graph.producer(value);
        if (producer.isPresent() && producer.get().getOpType().equals("Transpose")) {
            TensorProto transposed = graph.initializers().get(producer.get().getInput(0));
            if (transposed != null && transposed.getDimsCount() == 2) {
                return Optional.of(new Source(transposed, false));
            }
        }
        return Optional.empty();
    }

    private static NodeProto biasAdd(OnnxGraph graph, NodeProto matMul) {
        List<NodeProto> next = graph.consumers(matMul.getOutput(0));
        if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
            String other = otherInput(next.get(0), matMul.getOutput(0));
            if (other != null && graph.isInitializer(other) && other.endsWith(".bias") && isModuleName(other)) {
                return next.get(0);
            }
        }
        throw new IllegalArgumentException(OnnxGraph.describe(matMul) + " multiplies by weight " + matMul.getInput(1)
                + ", but its output feeds " + next.stream().map(OnnxGraph::describe).toList()
                + ", expected exactly one Add with a named bias initializer (<module>.bias)");
    }

    private static String otherInput(NodeProto add, String value) {
        if (add.getInputCount() != 2) {
            return null;
        }
        return add.getInput(0).equals(value) ? add.getInput(1) : add.getInput(0);
    }

    /** A node named as a module path must name the same module as its bias. */
    private static void checkNodePath(NodeProto matMul, String module, String bias) {
        String name = matMul.getName();
        int last = name.lastIndexOf('/');
        if (!name.startsWith("/") || last <= 0) {
            return; // older exporters name nodes MatMul_12: only the bias says which module it is
        }
        String path = name.substring(1, last).replace('/', '.');
        if (!path.equals(module)) {
            throw new IllegalArgumentException(OnnxGraph.describe(matMul) + " is in module " + path
                    + " but adds bias " + bias + ", expected the node path and the bias to name the same module");
        }
    }

    /** Whether an initializer's name is a module parameter's (not {@code onnx::MatMul_787} or {@code /x/Constant}). */
    private static boolean isModuleName(String name) {
        return !name.startsWith("onnx::") && !name.startsWith("/") && name.contains(".")
                && !name.contains("::") && !name.contains(" ");
    }
}
