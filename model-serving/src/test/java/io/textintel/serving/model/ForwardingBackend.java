package io.textintel.serving.model;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.BatchLayout;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;

/** A backend that hands every operation to another; tests override what they need to change. */
class ForwardingBackend implements Backend {

    private final Backend delegate;

    ForwardingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "forwarding";
    }

    @Override
    public BatchLayout batchLayout() {
        return delegate.batchLayout();
    }

    @Override
    public LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        return delegate.prepareLinear(weight, bias);
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, Activation activation, Tensor out) {
        delegate.linear(x, weights, activation, out);
    }

    @Override
    public void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon, Tensor out) {
        delegate.layerNorm(x, residual, gamma, beta, epsilon, out);
    }

    @Override
    public void activate(Activation activation, Tensor x) {
        delegate.activate(activation, x);
    }

    @Override
    public void softmax(Tensor x) {
        delegate.softmax(x);
    }

    @Override
    public void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor bias, Tensor out) {
        delegate.attention(qkv, heads, spans, bias, out);
    }

    @Override
    public boolean supportsAttentionBias() {
        return delegate.supportsAttentionBias();
    }

    @Override
    public void gather(Tensor table, int[] ids, boolean accumulate, Tensor out) {
        delegate.gather(table, ids, accumulate, out);
    }

    @Override
    public void pool(Tensor hidden, SequenceSpans spans, PoolingMode mode, boolean normalize, Tensor out) {
        delegate.pool(hidden, spans, mode, normalize, out);
    }

    @Override
    public void close() {
        // the delegate belongs to the caller
    }
}
