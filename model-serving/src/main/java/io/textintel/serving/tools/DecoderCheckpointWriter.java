package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Writes a random-weight Llama or Qwen2 decoder in the Hugging Face layout: {@code model.safetensors}
 * under the transformers names, {@code config.json} and {@code generation_config.json}.
 *
 * <p>Weights are N(0, 0.02); norm weights are 1 plus N(0, 0.02) and Qwen2's q/k/v biases
 * N(0, 0.02), so a test notices a norm or bias that is ignored. Every tensor draws from its own
 * {@link Random} seeded by the spec's seed and the tensor's name, so the bytes do not depend on
 * the order tensors are written in.
 */
final class DecoderCheckpointWriter {

    private final TinyDecoderSpec spec;
    private final List<String> tokens;
    private final SafetensorsWriter writer = new SafetensorsWriter();

    /** @param tokens the tokenizer's tokens in id order; their count is the vocabulary size */
    DecoderCheckpointWriter(TinyDecoderSpec spec, List<String> tokens) {
        this.spec = spec;
        this.tokens = tokens;
    }

    private boolean qwen2() {
        return spec.family() == TinyDecoderSpec.Family.QWEN2;
    }

    /** Writes the three files into {@code dir}. */
    void write(Path dir) throws IOException {
        int hidden = spec.hiddenSize();
        int qWidth = spec.heads() * spec.headDim();
        int kvWidth = spec.kvHeads() * spec.headDim();
        int inter = spec.intermediateSize();
        addMatrix("model.embed_tokens.weight", tokens.size(), hidden);
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "model.layers." + layer + ".";
            addNorm(base + "input_layernorm.weight");
            addMatrix(base + "self_attn.q_proj.weight", qWidth, hidden);
            addMatrix(base + "self_attn.k_proj.weight", kvWidth, hidden);
            addMatrix(base + "self_attn.v_proj.weight", kvWidth, hidden);
            if (qwen2()) {
                addVector(base + "self_attn.q_proj.bias", qWidth, 0);
                addVector(base + "self_attn.k_proj.bias", kvWidth, 0);
                addVector(base + "self_attn.v_proj.bias", kvWidth, 0);
            }
            addMatrix(base + "self_attn.o_proj.weight", hidden, qWidth);
            addNorm(base + "post_attention_layernorm.weight");
            addMatrix(base + "mlp.gate_proj.weight", inter, hidden);
            addMatrix(base + "mlp.up_proj.weight", inter, hidden);
            addMatrix(base + "mlp.down_proj.weight", hidden, inter);
        }
        addNorm("model.norm.weight");
        if (!tiedEmbeddings()) {
            addMatrix("lm_head.weight", tokens.size(), hidden);
        }
        writer.write(dir.resolve("model.safetensors"));
        TokenizerFiles.JSON.writeValue(dir.resolve("config.json").toFile(), config());
        TokenizerFiles.JSON.writeValue(dir.resolve("generation_config.json").toFile(), generationConfig());
    }

    /** Qwen2 ties the LM head to the embeddings, as Qwen2.5's small models do; Llama does not. */
    private boolean tiedEmbeddings() {
        return qwen2();
    }

    private ObjectNode config() {
        ObjectNode config = TokenizerFiles.JSON.createObjectNode();
        config.putArray("architectures").add(qwen2() ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        config.put("attention_bias", qwen2())
                .put("attention_dropout", 0.0)
                .put("bos_token_id", bosId());
        if (qwen2()) {
            config.put("eos_token_id", id(DecoderTokenizerFiles.IM_END));
        } else {
            config.putArray("eos_token_id").add(id(DecoderTokenizerFiles.END_OF_TEXT)).add(id(DecoderTokenizerFiles.EOT));
        }
        config.put("head_dim", spec.headDim())
                .put("hidden_act", "silu")
                .put("hidden_size", spec.hiddenSize())
                .put("initializer_range", TinyDecoderSpec.INITIALIZER_RANGE)
                .put("intermediate_size", spec.intermediateSize())
                .put("max_position_embeddings", spec.maxPositions())
                .put("mlp_bias", false)
                .put("model_type", qwen2() ? "qwen2" : "llama")
                .put("num_attention_heads", spec.heads())
                .put("num_hidden_layers", spec.layers())
                .put("num_key_value_heads", spec.kvHeads())
                .put("rms_norm_eps", qwen2() ? 1e-6 : 1e-5);
        if (spec.ropeScaling() == null) {
            config.putNull("rope_scaling");
        } else {
            ObjectNode scaling = config.putObject("rope_scaling")
                    .put("rope_type", spec.ropeScaling().type())
                    .put("factor", spec.ropeScaling().factor())
                    .put("original_max_position_embeddings", spec.ropeScaling().originalMaxPositionEmbeddings());
            if (spec.ropeScaling().type().equals("llama3")) {
                scaling.put("low_freq_factor", spec.ropeScaling().lowFreqFactor())
                        .put("high_freq_factor", spec.ropeScaling().highFreqFactor());
            }
        }
        config.put("rope_theta", spec.ropeTheta());
        if (qwen2()) {
            config.put("sliding_window", spec.maxPositions()).put("use_sliding_window", false)
                    .put("max_window_layers", spec.layers());
        }
        config.put("tie_word_embeddings", tiedEmbeddings())
                .put("torch_dtype", torchDtype(spec.dtype()))
                .put("transformers_version", "4.45.2")
                .put("use_cache", true)
                .put("vocab_size", tokens.size());
        return config;
    }

    private ObjectNode generationConfig() {
        ObjectNode generation = TokenizerFiles.JSON.createObjectNode();
        generation.put("bos_token_id", bosId());
        if (qwen2()) {
            generation.putArray("eos_token_id").add(id(DecoderTokenizerFiles.IM_END)).add(id(DecoderTokenizerFiles.ENDOFTEXT));
            generation.put("pad_token_id", id(DecoderTokenizerFiles.ENDOFTEXT));
        } else {
            generation.putArray("eos_token_id").add(id(DecoderTokenizerFiles.END_OF_TEXT)).add(id(DecoderTokenizerFiles.EOT));
        }
        generation.put("do_sample", true).put("temperature", 0.6).put("top_p", 0.9)
                .put("transformers_version", "4.45.2");
        return generation;
    }

    private int bosId() {
        return id(qwen2() ? DecoderTokenizerFiles.ENDOFTEXT : DecoderTokenizerFiles.BEGIN_OF_TEXT);
    }

    private int id(String token) {
        int id = tokens.indexOf(token);
        if (id < 0) {
            throw new IllegalStateException("special token " + token + " is not in the generated vocabulary. This is a bug.");
        }
        return id;
    }

    private static String torchDtype(DType dtype) {
        return switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    private void addMatrix(String name, int rows, int columns) {
        writer.add(name, spec.dtype(), new long[] {rows, columns},
                normal(name, (long) rows * columns, 0));
    }

    private void addVector(String name, int size, float mean) {
        writer.add(name, spec.dtype(), new long[] {size}, normal(name, size, mean));
    }

    private void addNorm(String name) {
        addVector(name, spec.hiddenSize(), 1f);
    }

    /** {@code count} draws of N(mean, 0.02) from a generator of its own for {@code name}. */
    private float[] normal(String name, long count, float mean) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + name + " would have " + count + " elements, too many for "
                    + "the generator; choose a smaller spec");
        }
        float[] values = new float[(int) count];
        Random random = new Random(spec.seed() * 0x9E37_79B9_7F4A_7C15L + name.hashCode());
        for (int i = 0; i < values.length; i++) {
            values[i] = mean + (float) (random.nextGaussian() * TinyDecoderSpec.INITIALIZER_RANGE);
        }
        return values;
    }
}
