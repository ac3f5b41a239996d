package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.weights.TensorInfo;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives the {@code config.json} of a BERT, RoBERTa/XLM-R or DistilBERT encoder from its ONNX
 * export: sizes from the weights' shapes, the rest from the graph.
 *
 * <p>The number of attention heads is not in any weight's shape. It is read from the
 * {@code Reshape} that splits the query, key or value projection into heads: its target shape is
 * a constant, or a {@code Concat} of runtime batch and sequence sizes with the constants
 * {@code [heads]} and {@code [head_size]}, as torch.onnx writes {@code view(b, s, heads, size)}.
 * Where no such constant exists the caller must give the count. {@code layer_norm_eps} is the
 * constant added to the variance in the embeddings' LayerNorm (or a {@code LayerNormalization}'s
 * {@code epsilon}); {@code hidden_act} follows from the ops between the intermediate and output
 * layers ({@code Erf}: gelu, {@code Tanh}: gelu_new, {@code Relu}: relu). The family follows from
 * the names ({@code transformer.layer.*}: DistilBERT) and from how position ids are made: a
 * {@code CumSum} over {@code input_ids != pad} is RoBERTa's (and XLM-R's, which the engine runs
 * alike), and the compared constant is the padding id the positions are offset by.
 */
final class EncoderConfigDerivation {

    private static final Logger LOG = LoggerFactory.getLogger(EncoderConfigDerivation.class);
    private static final double BERT_DEFAULT_EPS = 1e-12;

    private final OnnxGraph graph;
    private final EncoderGraphMapping mapping;
    private final Function<String, TensorInfo> info;

    EncoderConfigDerivation(OnnxGraph graph, EncoderGraphMapping mapping, Function<String, TensorInfo> info) {
        this.graph = graph;
        this.mapping = mapping;
        this.info = info;
    }

    /**
     * @param heads the number of attention heads when the caller knows it; otherwise read from the graph
     * @throws IllegalArgumentException if the tensors are not a BERT encoder's, or the heads cannot be found
     */
    EncoderConfig derive(OptionalInt heads) {
        Set<String> names = mapping.tensors().keySet();
        String prefix = prefix(names);
        boolean distilbert = names.stream().anyMatch(n -> n.startsWith(prefix + "transformer.layer."));
        OptionalInt positionPadding = positionPadding();
        String layerPrefix = prefix + (distilbert ? "transformer.layer." : "encoder.layer.");
        String firstLayer = layerPrefix + "0.";
        List<String> projections = distilbert
                ? List.of("attention.q_lin", "attention.k_lin", "attention.v_lin")
                : List.of("attention.self.query", "attention.self.key", "attention.self.value");
        String up = distilbert ? "ffn.lin1" : "intermediate.dense";

        TensorInfo words = require(prefix + "embeddings.word_embeddings.weight", 2);
        TensorInfo positions = require(prefix + "embeddings.position_embeddings.weight", 2);
        String typesName = prefix + "embeddings.token_type_embeddings.weight";
        int types = names.contains(typesName) ? (int) require(typesName, 2).dim(0) : 0;
        int hidden = (int) words.dim(1);
        int layers = layerCount(layerPrefix, names);
        int intermediate = (int) require(firstLayer + up + ".weight", 2).dim(0);
        int headCount = heads.isPresent() ? heads.getAsInt() : headsFromGraph(firstLayer, projections, hidden);
        double eps = layerNormEps(prefix + "embeddings.LayerNorm.weight");
        String act = activation(firstLayer + up);
        String type = distilbert ? "distilbert" : positionPadding.isPresent() ? "roberta" : "bert";
        String architecture = distilbert ? "DistilBertModel" : positionPadding.isPresent() ? "RobertaModel" : "BertModel";
        return new EncoderConfig(type, List.of(architecture), hidden, layers, headCount, intermediate, act,
                (int) positions.dim(0), types, (int) words.dim(0), eps, positionPadding.orElse(0), List.of(), null,
                "absolute");
    }

    /**
     * RoBERTa and XLM-R compute position ids from the input ids ({@code cumsum(ids != pad) * mask + pad}):
     * the padding id the graph compares with, when it has that {@code CumSum}.
     */
    private OptionalInt positionPadding() {
        NodeProto cumSum = graph.nodes().stream().filter(n -> n.getOpType().equals("CumSum")).findFirst().orElse(null);
        if (cumSum == null) {
            return OptionalInt.empty();
        }
        for (NodeProto node : graph.nodes()) {
            if (node.getOpType().equals("Equal") && node.getInputCount() == 2 && node.getInputList().contains("input_ids")) {
                String other = node.getInput(0).equals("input_ids") ? node.getInput(1) : node.getInput(0);
                Optional<long[]> padding = graph.constantLongs(other);
                if (padding.isPresent() && padding.get().length == 1) {
                    return OptionalInt.of((int) padding.get()[0]);
                }
            }
        }
        throw new IllegalArgumentException(OnnxGraph.describe(cumSum) + " computes position ids from the input ids, as"
                + " RoBERTa and XLM-R do, but no Equal(input_ids, constant) gives their padding id; expected one, or"
                + " a config.json for this export");
    }

    private static String prefix(Set<String> names) {
        String suffix = "embeddings.word_embeddings.weight";
        return names.stream().filter(n -> n.endsWith(suffix)).map(n -> n.substring(0, n.length() - suffix.length()))
                .filter(p -> p.isEmpty() || p.endsWith(".")).min((a, b) -> a.length() - b.length())
                .orElseThrow(() -> new IllegalArgumentException("the export has no initializer [prefix.]" + suffix
                        + ", expected a BERT-family encoder; its tensors are "
                        + names.stream().limit(8).toList() + (names.size() > 8 ? " ..." : "")));
    }

    private TensorInfo require(String name, int rank) {
        if (!mapping.tensors().containsKey(name)) {
            throw new IllegalArgumentException("the export has no tensor " + name + ", expected it in a BERT encoder");
        }
        TensorInfo tensor = info.apply(name);
        if (tensor.rank() != rank) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(tensor.shape())
                    + ", expected rank " + rank);
        }
        return tensor;
    }

    private static int layerCount(String layerPrefix, Set<String> names) {
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : names) {
            if (name.startsWith(layerPrefix)) {
                String rest = name.substring(layerPrefix.length());
                int dot = rest.indexOf('.');
                if (dot > 0 && rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
                    layers.add(Integer.parseInt(rest.substring(0, dot)));
                }
            }
        }
        if (layers.isEmpty() || layers.first() != 0 || layers.last() != layers.size() - 1) {
            throw new IllegalArgumentException("the export has layers " + layers + " under " + layerPrefix
                    + ", expected the contiguous layers 0..n-1");
        }
        return layers.size();
    }

    private int headsFromGraph(String firstLayer, List<String> projections, int hidden) {
        Set<Long> found = new TreeSet<>();
        for (String part : projections) {
            NodeProto projection = mapping.linearOutputs().get(firstLayer + part);
            if (projection == null) {
                continue;
            }
            for (NodeProto reshape : graph.consumers(projection.getOutput(0))) {
                if (reshape.getOpType().equals("Reshape") && reshape.getInputCount() == 2) {
                    headsOfShape(reshape.getInput(1), hidden).ifPresent(found::add);
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException("cannot read the number of attention heads from the export: the Reshapes"
                    + " of " + firstLayer + projections + " give " + found
                    + ", expected one constant [.., heads, head_size] target shape; give num_attention_heads");
        }
        return found.iterator().next().intValue();
    }

    /** The heads of a Reshape target {@code [.., heads, head_size]}, if its last two entries are constants. */
    private Optional<Long> headsOfShape(String shape, int hidden) {
        long[] dims = constantEntries(shape);
        if (dims == null || dims.length < 2) {
            return Optional.empty();
        }
        long heads = dims[dims.length - 2];
        long size = dims[dims.length - 1];
        if (heads == -1 && size > 0 && hidden % size == 0) {
            heads = hidden / size;
        }
        if (heads > 0 && (size == -1 || heads * size == hidden) && hidden % heads == 0) {
            return Optional.of(heads);
        }
        return Optional.empty();
    }

    /** A shape value's entries, with {@link Long#MIN_VALUE} where only known at run time; null if unknown. */
    private long[] constantEntries(String shape) {
        Optional<long[]> direct = graph.constantLongs(shape);
        if (direct.isPresent()) {
            return direct.get();
        }
        Optional<NodeProto> concat = graph.producer(shape).filter(n -> n.getOpType().equals("Concat"));
        if (concat.isEmpty()) {
            return null;
        }
        long[] dims = new long[0];
        for (String input : concat.get().getInputList()) {
            long[] part = graph.constantLongs(input).orElse(new long[] {Long.MIN_VALUE});
            long[] joined = Arrays.copyOf(dims, dims.length + part.length);
            System.arraycopy(part, 0, joined, dims.length, part.length);
            dims = joined;
        }
        return dims;
    }

    /** The epsilon of the LayerNorm that scales by {@code weight}: decomposed (Add to the variance) or fused. */
    private double layerNormEps(String weight) {
        for (NodeProto user : graph.consumers(weight)) {
            if (user.getOpType().equals("LayerNormalization")) {
                return OnnxGraph.attribute(user, "epsilon").map(a -> asDouble(a.getF())).orElse(1e-5);
            }
            if (user.getOpType().equals("Mul")) {
                Optional<Float> eps = varianceEpsilon(user, weight);
                if (eps.isPresent()) {
                    return asDouble(eps.get());
                }
            }
        }
        LOG.warn("layer_norm_eps not found in the graph beside {}; using BERT's default {}", weight, BERT_DEFAULT_EPS);
        return BERT_DEFAULT_EPS;
    }

    /** Mul(weight, Div(x - mean, Sqrt(Add(variance, eps)))): the eps constant. */
    private Optional<Float> varianceEpsilon(NodeProto scale, String weight) {
        String normalized = scale.getInput(0).equals(weight) ? scale.getInput(1) : scale.getInput(0);
        return graph.producer(normalized).filter(n -> n.getOpType().equals("Div") && n.getInputCount() == 2)
                .flatMap(div -> graph.producer(div.getInput(1)))
                .filter(n -> n.getOpType().equals("Sqrt"))
                .flatMap(sqrt -> graph.producer(sqrt.getInput(0)))
                .filter(n -> n.getOpType().equals("Add") && n.getInputCount() == 2)
                .flatMap(add -> graph.constantScalar(add.getInput(1)).or(() -> graph.constantScalar(add.getInput(0))));
    }

    /** float eps as written in config.json: 1e-12f reads back as 1e-12, not 9.9999998e-13. */
    private static double asDouble(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    /** The activation between the first layer's intermediate projection {@code up} and the output projection. */
    private String activation(String up) {
        NodeProto start = mapping.linearOutputs().get(up);
        if (start == null) {
            throw new IllegalArgumentException("the export has no linear layer " + up + ", expected it in the encoder");
        }
        Set<String> ops = new TreeSet<>();
        Optional<String> gelu = Optional.empty();
        Deque<String> values = new ArrayDeque<>(List.of(start.getOutput(0)));
        Set<String> seen = new HashSet<>();
        while (!values.isEmpty()) {
            for (NodeProto node : graph.consumers(values.pop())) {
                if (node.getOpType().equals("MatMul") || !seen.add(node.getOutput(0))) {
                    continue; // the output projection ends the activation
                }
                ops.add(node.getOpType());
                if (node.getOpType().equals("Gelu")) {
                    gelu = Optional.of(OnnxGraph.attribute(node, "approximate").map(AttributeProto::getS)
                            .map(s -> s.toStringUtf8()).orElse("none"));
                }
                values.addAll(node.getOutputList());
            }
        }
        if (gelu.isPresent()) {
            return gelu.get().equals("tanh") ? "gelu_new" : "gelu";
        }
        if (ops.contains("Erf")) {
            return "gelu";
        }
        if (ops.contains("Tanh")) {
            return "gelu_new";
        }
        if (ops.contains("Relu")) {
            return "relu";
        }
        throw new IllegalArgumentException("the activation after " + up + " uses ops " + ops
                + ", expected Erf (gelu), Tanh (gelu_new), Relu or Gelu");
    }
}
