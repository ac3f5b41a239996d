package io.textintel.serving.backend;

import java.util.Locale;

/** An element-wise activation function, fused into {@link Backend#linear} or applied on its own. */
public enum Activation {
    /** The identity. */
    NONE,
    /** {@code x * Phi(x)} with the exact normal CDF, {@code 0.5 x (1 + erf(x / sqrt 2))}: HF {@code gelu}. */
    GELU,
    /** The tanh approximation of GELU: HF {@code gelu_new} and {@code gelu_pytorch_tanh}. */
    GELU_TANH,
    /** {@code max(0, x)}. */
    RELU,
    /** The hyperbolic tangent, as in the BERT pooler and the RoBERTa classification head. */
    TANH,
    /** The logistic function, for multi-label classification scores. */
    SIGMOID;

    /**
     * Maps a Hugging Face {@code hidden_act} / DistilBERT {@code activation} name.
     *
     * @throws IllegalArgumentException naming the value and the supported names
     */
    public static Activation fromHuggingFace(String name) {
        switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "gelu":
                return GELU;
            case "gelu_new":
            case "gelu_pytorch_tanh":
                return GELU_TANH;
            case "relu":
                return RELU;
            case "tanh":
                return TANH;
            case "sigmoid":
                return SIGMOID;
            default:
                throw new IllegalArgumentException("unsupported activation " + name
                        + ", expected one of gelu, gelu_new, gelu_pytorch_tanh, relu, tanh, sigmoid");
        }
    }
}
