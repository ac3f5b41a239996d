package io.textintel.serving.task;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import java.util.List;

/**
 * A causal LM whose forward passes run one at a time: the generation engine's scheduler thread and
 * the label scorer's thread share one model, whose forward pass may be called from one thread at a
 * time. Each caller passes its own KV cache.
 */
final class SerialCausalLm implements CausalLm {

    private final CausalLm model;
    private final Object lock = new Object();

    SerialCausalLm(CausalLm model) {
        this.model = model;
    }

    @Override
    public KvLayout kvLayout() {
        return model.kvLayout();
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    @Override
    public int maxSequenceLength() {
        return model.maxSequenceLength();
    }

    @Override
    public float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache) {
        synchronized (lock) {
            return model.forward(chunks, cache);
        }
    }
}
