package io.textintel.serving.backend;

/**
 * The weight and bias of one linear layer, in whatever layout a backend prepared them
 * ({@link Backend#prepareLinear}); only the backend that made it may use it.
 */
public interface LinearWeights {

    /** Input features: the {@code in} of HF's {@code [out, in]} weight. */
    int inFeatures();

    /** Output features. */
    int outFeatures();
}
