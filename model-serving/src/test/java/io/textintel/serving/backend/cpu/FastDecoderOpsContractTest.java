package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.DecoderOpsContract;

/**
 * The contract on {@link FastDecoderOps} with two threads. Tolerances: linear layers 1e-5 of the
 * largest |output| (float sums of 67 terms against double), RMSNorm, SwiGLU and attention 1e-5
 * relative plus absolute (float sums of up to 1500 softmax terms), rotary exact (the reference's
 * loop, bit for bit).
 */
class FastDecoderOpsContractTest extends DecoderOpsContract {

    @Override
    protected DecoderOps createOps() {
        return new FastDecoderOps(2);
    }

    @Override
    protected double linearTolerance() {
        return 1e-5;
    }

    @Override
    protected double rotaryTolerance() {
        return 0;
    }

    @Override
    protected double fp32Tolerance() {
        return 1e-5;
    }
}
