package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.WeightLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The weights of a BERT-family encoder's ONNX export (as torch.onnx writes it), addressed by their
 * Hugging Face names: a checkpoint source beside safetensors.
 *
 * <p>Named initializers keep their names; the anonymous linear weights are named through the graph
 * and read transposed to {@code [out, in]} (see {@link EncoderGraphMapping}). Elements may be
 * inline ({@code raw_data} or the typed fields) or in an external data file beside the
 * {@code .onnx}; F32, F16, BF16 and F64 are read. Exports that cannot be mapped (quantized, fused
 * by ONNX Runtime's optimizer, another architecture) are refused when opened, naming the node.
 * The whole model is held on the heap: the protobuf has no random access.
 */
public final class OnnxWeights implements WeightLoader {

    private final String source;
    private final Path baseDir; // null when read from a stream
    private final ModelProto model;
    private final OnnxGraph graph;
    private final EncoderGraphMapping mapping;
    private final Map<String, TensorInfo> infos;

    private OnnxWeights(String source, Path baseDir, ModelProto model) {
        this.source = source;
        this.baseDir = baseDir;
        this.model = model;
        this.graph = new OnnxGraph(model.getGraph());
        try {
            this.mapping = EncoderGraphMapping.of(graph);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        mapping.tensors().forEach((name, tensor) -> {
            TensorInfo stored = OnnxTensors.info(name, tensor.tensor());
            long[] shape = stored.shape();
            if (tensor.transposed()) {
                shape = new long[] {shape[1], shape[0]};
            }
            byName.put(name, new TensorInfo(name, stored.dtype(), shape));
        });
        this.infos = Collections.unmodifiableMap(byName);
    }

    /**
     * Reads an {@code .onnx} file; external data is looked up beside it.
     *
     * @throws IOException if the file cannot be read or is not an ONNX model
     * @throws IllegalArgumentException naming the node or tensor if the export cannot be mapped
     */
    public static OnnxWeights open(Path onnxFile) throws IOException {
        try (InputStream in = Files.newInputStream(onnxFile)) {
            Path parent = onnxFile.toAbsolutePath().getParent();
            return new OnnxWeights(onnxFile.toString(), parent, parse(in, onnxFile.toString()));
        }
    }

    /**
     * Reads an ONNX model from a stream (a jar entry, say); models with external data need {@link #open(Path)}.
     *
     * @param source how the model is named in messages
     */
    public static OnnxWeights read(InputStream in, String source) throws IOException {
        Objects.requireNonNull(source, "source");
        return new OnnxWeights(source, null, parse(in, source));
    }

    /** Reads a model already parsed (a hand-built one in tests, say). */
    public static OnnxWeights of(ModelProto model, String source) {
        return new OnnxWeights(Objects.requireNonNull(source, "source"), null, model);
    }

    private static ModelProto parse(InputStream in, String source) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(in);
        coded.setSizeLimit(Integer.MAX_VALUE); // weights are inline; protobuf's default cap is far below a model
        try {
            ModelProto model = ModelProto.parseFrom(coded);
            if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
                throw new IOException(source + " holds no ONNX graph, expected an ONNX model (ModelProto)");
            }
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + " is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    /** Where the model was read from. */
    public String source() {
        return source;
    }

    /** {@code producer_name producer_version} of the export, e.g. {@code pytorch 2.0.1}. */
    public String producer() {
        return (model.getProducerName() + " " + model.getProducerVersion()).strip();
    }

    /**
     * The {@code config.json} the export implies, for a BERT encoder.
     *
     * @param numAttentionHeads the head count when known; when empty it is read from the attention's
     *     Reshape constants, and the call fails if they do not give it
     * @throws IllegalArgumentException if the export is not a BERT encoder, or the heads cannot be found
     */
    public EncoderConfig deriveConfig(OptionalInt numAttentionHeads) {
        try {
            return new EncoderConfigDerivation(graph, mapping, this::info).derive(numAttentionHeads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Set<String> tensorNames() {
        return infos.keySet();
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new IllegalArgumentException("tensor " + name + " is not in the ONNX export " + source + " ("
                    + infos.size() + " tensors, e.g. " + infos.keySet().stream().limit(5).toList() + ")");
        }
        return info;
    }

    @Override
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        EncoderGraphMapping.Source tensor = mapping.tensors().get(name);
        float[] stored = OnnxTensors.floats(tensor.tensor(), baseDir);
        return tensor.transposed() ? transpose(stored, (int) info.dim(1), (int) info.dim(0)) : stored;
    }

    /** {@code [rows, cols]} to {@code [cols, rows]}, row-major. */
    private static float[] transpose(float[] values, int rows, int cols) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }

    /** Nothing to release: the model lives on the heap. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "OnnxWeights[" + source + ", " + infos.size() + " tensors, " + producer() + "]";
    }
}
