package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.DecoderOpsContract;

/**
 * The contract on the reference itself: a fresh {@link ScalarDecoderOps} must give exactly the
 * floats of the contract's own (tolerances 0), so the contract's inputs and calls are consistent.
 */
class ScalarDecoderOpsContractTest extends DecoderOpsContract {

    @Override
    protected DecoderOps createOps() {
        return new ScalarDecoderOps();
    }

    @Override
    protected double linearTolerance() {
        return 0;
    }

    @Override
    protected double rotaryTolerance() {
        return 0;
    }

    @Override
    protected double fp32Tolerance() {
        return 0;
    }
}
