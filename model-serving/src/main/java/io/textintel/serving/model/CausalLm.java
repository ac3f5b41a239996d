package io.textintel.serving.model;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import java.util.List;

/** A causal language model that computes next-token logits over a paged KV cache. */
public interface CausalLm {

    /** The shape of the KV cache this model writes. */
    KvLayout kvLayout();

    int vocabSize();

    /** The longest sequence, prompt and generated tokens together. */
    int maxSequenceLength();

    /**
     * One forward pass over all chunks (continuous batching). K/V of every token is written into
     * {@code cache} at its position; the caller has reserved capacity.
     *
     * @return logits {@code [sum of logitRows][vocabSize]} in chunk order
     */
    float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache);
}
