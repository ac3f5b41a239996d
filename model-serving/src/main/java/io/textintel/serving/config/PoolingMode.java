package io.textintel.serving.config;

/** How token states are reduced to one sentence vector, as sentence-transformers names the modes. */
public enum PoolingMode {
    /** The first token's state ({@code [CLS]} or {@code <s>}). */
    CLS,
    /** The mean over the real (non-padding) tokens. */
    MEAN,
    /** The element-wise maximum over the real tokens. */
    MAX,
    /** The sum over the real tokens divided by the square root of their count. */
    MEAN_SQRT_LEN
}
