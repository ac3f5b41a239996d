package io.textintel.serving.engine;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What every engine of the JVM is, whatever its model family: one model loaded once, callers on any
 * thread, one owning thread running forward passes, figures any thread may read. The families are
 * {@link EncoderEngine} (embed, classify) and {@code task.DecoderTasks} (summaries and generative
 * tags on a decoder); whoever shares engines or reports their figures (the operators'
 * {@code SharedModels} and {@code EngineMetricGroups}) needs only this contract, so a new family is
 * a new implementation, not a new code path there.
 */
public interface ModelEngine extends AutoCloseable {

    /**
     * What kind of engine this is, as the {@code engine} label of its metrics: {@code encoder},
     * {@code decoder}, {@code decoder_prompt_lookup} or {@code decoder_draft_model}. Stable: it is
     * part of the project's metric names.
     */
    String kind();

    /** Requests waiting for the engine now. */
    int queueDepth();

    /** Tokens computed since the engine opened: an encoder's input tokens, a decoder's generated tokens. */
    long tokens();

    /**
     * The family's own figures, by metric name, each read on any thread whenever it is asked for
     * (e.g. an encoder's {@code paddingShare}, a decoder's {@code runningSequences}). The names are
     * part of the project's metric names (README, "Metrics"): keep them stable.
     */
    Map<String, Supplier<Number>> gauges();

    /** Tells {@code listener} of every forward pass from now on, on the engine's thread. */
    void addListener(ForwardPassListener listener);

    /** Stops telling {@code listener} of forward passes. */
    void removeListener(ForwardPassListener listener);

    /** Fails the requests left, stops the engine's threads and releases the model. */
    @Override
    void close();
}
