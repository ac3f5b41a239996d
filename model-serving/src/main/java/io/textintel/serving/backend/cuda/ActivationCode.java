package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.Activation;

/** The numbers the kernels give the activation functions ({@code ACT_*} in {@code encoder_common.cuh}). */
final class ActivationCode {

    static final int SILU = 6;

    private ActivationCode() {}

    static int of(Activation activation) {
        switch (activation) {
            case NONE:
                return 0;
            case GELU:
                return 1;
            case GELU_TANH:
                return 2;
            case RELU:
                return 3;
            case TANH:
                return 4;
            case SIGMOID:
                return 5;
            default:
                throw new IllegalArgumentException("activation " + activation + " has no kernel code");
        }
    }
}
