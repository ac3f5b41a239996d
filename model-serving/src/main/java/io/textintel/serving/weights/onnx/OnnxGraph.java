package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX graph indexed for walking: initializers by name, the node producing each value, and the
 * nodes consuming it; constant values (initializers and {@code Constant} nodes) can be read.
 */
final class OnnxGraph {

    private final GraphProto graph;
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();

    OnnxGraph(GraphProto graph) {
        this.graph = graph;
        for (TensorProto tensor : graph.getInitializerList()) {
            if (initializers.put(tensor.getName(), tensor) != null) {
                throw new IllegalArgumentException("ONNX graph has two initializers named " + tensor.getName()
                        + ", expected unique names");
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (String output : node.getOutputList()) {
                if (!output.isEmpty()) {
                    producers.put(output, node);
                }
            }
            for (String input : node.getInputList()) {
                if (!input.isEmpty()) {
                    consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
                }
            }
        }
    }

    List<NodeProto> nodes() {
        return graph.getNodeList();
    }

    /** Initializers in file order. */
    Map<String, TensorProto> initializers() {
        return initializers;
    }

    boolean isInitializer(String value) {
        return initializers.containsKey(value);
    }

    /** The node that computes {@code value}; empty for graph inputs and initializers. */
    Optional<NodeProto> producer(String value) {
        return Optional.ofNullable(producers.get(value));
    }

    /** The nodes reading {@code value}, in graph order. */
    List<NodeProto> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** The constant tensor behind {@code value}: an initializer or a {@code Constant} node's {@code value}. */
    Optional<TensorProto> constant(String value) {
        TensorProto initializer = initializers.get(value);
        if (initializer != null) {
            return Optional.of(initializer);
        }
        NodeProto node = producers.get(value);
        if (node != null && node.getOpType().equals("Constant")) {
            return attribute(node, "value").filter(AttributeProto::hasT).map(AttributeProto::getT);
        }
        return Optional.empty();
    }

    /**
     * The integers of a constant {@code value} ({@code value} tensor or {@code value_ints} of a
     * {@code Constant} node, or an INT64/INT32 initializer); empty when it is not a constant.
     */
    Optional<long[]> constantLongs(String value) {
        NodeProto node = producers.get(value);
        if (node != null && node.getOpType().equals("Constant")) {
            Optional<AttributeProto> ints = attribute(node, "value_ints");
            if (ints.isPresent()) {
                return Optional.of(ints.get().getIntsList().stream().mapToLong(Long::longValue).toArray());
            }
            Optional<AttributeProto> one = attribute(node, "value_int");
            if (one.isPresent()) {
                return Optional.of(new long[] {one.get().getI()});
            }
        }
        return constant(value).filter(t -> t.getDataType() == TensorProto.DataType.INT64_VALUE
                || t.getDataType() == TensorProto.DataType.INT32_VALUE).map(OnnxTensors::longs);
    }

    /** The single float of a scalar (or one-element) floating-point constant; empty otherwise. */
    Optional<Float> constantScalar(String value) {
        NodeProto node = producers.get(value);
        if (node != null && node.getOpType().equals("Constant")) {
            Optional<AttributeProto> f = attribute(node, "value_float");
            if (f.isPresent()) {
                return Optional.of(f.get().getF());
            }
        }
        Optional<TensorProto> tensor = constant(value);
        if (tensor.isEmpty() || !OnnxTensors.dtype(tensor.get()).isFloatingPoint()) {
            return Optional.empty();
        }
        float[] values = OnnxTensors.floats(tensor.get(), null);
        return values.length == 1 ? Optional.of(values[0]) : Optional.empty();
    }

    static Optional<AttributeProto> attribute(NodeProto node, String name) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return Optional.of(attribute);
            }
        }
        return Optional.empty();
    }

    /** How a node is named in messages: its name (or its first output) and its op type. */
    static String describe(NodeProto node) {
        String name = node.getName().isEmpty() ? "(unnamed, output " + node.getOutput(0) + ")" : node.getName();
        String domain = node.getDomain().isEmpty() ? "" : node.getDomain() + ".";
        return "node " + name + " (op " + domain + node.getOpType() + ")";
    }
}
