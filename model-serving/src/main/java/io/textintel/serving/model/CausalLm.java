package io.textintel.serving.model;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import java.util.List;

/**
 * A decoder-only language model as the generation scheduler sees it: one forward pass over the
 * new tokens of several sequences at once (continuous batching), with earlier positions read
 * from, and the new positions written into, a {@link PagedKvCache}.
 */
public interface CausalLm {

    /** Shape of one position's keys and values; the cache must be built with it. */
    KvLayout kvLayout();

    /** Rows of the output projection: every logit row has this many entries. */
    int vocabSize();

    /** Most positions a sequence may have (prompt and generated tokens together). */
    int maxSequenceLength();

    /**
     * One forward pass over all chunks. The key and value of every token is written into
     * {@code cache} at its position; the caller has reserved capacity for them, and positions
     * before each chunk's {@code startPosition} are valid in the cache.
     *
     * @return logits {@code [sum of logitRows][vocabSize]}, in chunk order and, within a chunk, in
     *     position order
     */
    float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache);
}
