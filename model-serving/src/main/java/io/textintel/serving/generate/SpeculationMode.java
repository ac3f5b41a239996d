package io.textintel.serving.generate;

/** Whether a request uses speculative decoding. */
public enum SpeculationMode {
    /** Plain decoding: one token per step. */
    OFF,
    /** Ask the engine's draft proposer for up to γ tokens per step and verify them in one pass. */
    ON
}
