package io.textintel.serving.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A sentence-transformers {@code Dense} module after pooling: {@code activation(W · x + b)} from
 * its directory's {@code config.json}, with the weights {@code linear.weight} {@code [out, in]} and
 * {@code linear.bias} {@code [out]} in the directory's {@code model.safetensors}.
 *
 * @param inFeatures {@code in_features}
 * @param outFeatures {@code out_features}
 * @param bias {@code bias}: whether the module has {@code linear.bias}
 * @param activation {@code activation_function}
 * @param weights the module's {@code model.safetensors}
 */
public record DenseConfig(int inFeatures, int outFeatures, boolean bias, DenseActivation activation, Path weights) {

    /** The weights file inside a Dense module's directory. */
    public static final String WEIGHTS_FILE = "model.safetensors";

    /** The activations a Dense module may name, as the PyTorch classes sentence-transformers stores. */
    public enum DenseActivation {
        /** {@code torch.nn.modules.linear.Identity}. */
        IDENTITY("torch.nn.modules.linear.Identity"),
        /** {@code torch.nn.modules.activation.Tanh}, sentence-transformers' default. */
        TANH("torch.nn.modules.activation.Tanh"),
        /** {@code torch.nn.modules.activation.ReLU}. */
        RELU("torch.nn.modules.activation.ReLU"),
        /** {@code torch.nn.modules.activation.GELU} (the exact, erf form: its default). */
        GELU("torch.nn.modules.activation.GELU"),
        /** {@code torch.nn.modules.activation.Sigmoid}. */
        SIGMOID("torch.nn.modules.activation.Sigmoid");

        private final String className;

        DenseActivation(String className) {
            this.className = className;
        }

        /** The PyTorch class name as {@code activation_function} holds it. */
        public String className() {
            return className;
        }

        static DenseActivation fromClassName(String name, String source) {
            for (DenseActivation activation : values()) {
                if (activation.className.equals(name)) {
                    return activation;
                }
            }
            StringBuilder expected = new StringBuilder();
            for (DenseActivation activation : values()) {
                expected.append(expected.length() == 0 ? "" : ", ").append(activation.className);
            }
            throw new IllegalArgumentException(source + ": activation_function " + name + ", expected one of "
                    + expected);
        }
    }

    public DenseConfig {
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(weights, "weights");
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Dense in_features " + inFeatures + " and out_features " + outFeatures
                    + ", expected both > 0");
        }
    }

    /**
     * Reads a Dense module's {@code config.json}; its weights are only located, not read.
     *
     * @param moduleDir the module's directory, e.g. {@code <model>/2_Dense}
     * @param json the parsed {@code config.json}
     * @throws IllegalArgumentException if a value is missing or unsupported, or the weights are
     *     not in {@code model.safetensors}
     */
    static DenseConfig parse(Path moduleDir, JsonNode json) {
        String source = moduleDir.resolve("config.json").toString();
        int in = json.path("in_features").asInt(0);
        int out = json.path("out_features").asInt(0);
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException(source + ": in_features " + json.path("in_features") + ", out_features "
                    + json.path("out_features") + ", expected positive integers");
        }
        boolean bias = json.path("bias").asBoolean(true);
        DenseActivation activation = DenseActivation.fromClassName(
                json.path("activation_function").asText(DenseActivation.TANH.className()), source);
        Path weights = moduleDir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            String found = Files.isRegularFile(moduleDir.resolve("pytorch_model.bin"))
                    ? " it holds pytorch_model.bin, a pickle the engine does not read: convert it to safetensors"
                    : " it holds neither " + WEIGHTS_FILE + " nor pytorch_model.bin";
            throw new IllegalArgumentException("Dense module " + moduleDir + " has no " + WEIGHTS_FILE + ";" + found);
        }
        return new DenseConfig(in, out, bias, activation, weights);
    }
}
