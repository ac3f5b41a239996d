package io.textintel.serving.backend;

/** How a backend wants the sequences of a batch laid out among the activation rows. */
public enum BatchLayout {
    /** Sequences end to end, no padding rows: no work is spent on padding. */
    PACKED,
    /** Every sequence padded to the longest one's length: fixed strides, padding rows computed. */
    PADDED
}
