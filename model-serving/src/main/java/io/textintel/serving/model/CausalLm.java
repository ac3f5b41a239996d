package io.textintel.serving.model;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import java.util.List;

/** A decoder-only language model that runs forward passes over a paged KV cache. */
public interface CausalLm {

    KvLayout kvLayout();

    int vocabSize();

    int maxSequenceLength();

    /**
     * One forward pass over all chunks (continuous batching). K/V of every token is written into
     * {@code cache} at its position; the caller has reserved capacity. Returns logits
     * {@code [sum of logitRows][vocabSize]} in chunk order.
     */
    float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache);
}
