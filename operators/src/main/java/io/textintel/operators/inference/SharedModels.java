package io.textintel.operators.inference;

import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.ModelEngine;
import io.textintel.serving.task.DecoderTasks;
import io.textintel.serving.task.DecoderTasksConfig;
import io.textintel.serving.tokenizer.TextTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The engines and tokenizers of this JVM, shared by every operator subtask that uses the same model.
 *
 * <p>A TaskManager runs several slots in one JVM; loading a model once per slot would multiply its
 * memory. This class is the one place holding JVM-wide state; operators lease from it in
 * {@code open()} and give the lease back in {@code close()}.
 */
public final class SharedModels {

    /** What identifies an engine: its family's key opens it. */
    private sealed interface EngineKey {
        ModelEngine open();
    }

    private record EncoderKey(Path modelDir, EngineSettings settings) implements EngineKey {
        @Override
        public ModelEngine open() {
            return EncoderEngine.open(modelDir, settings.toEngineConfig());
        }
    }

    private record DecoderKey(Path modelDir, DecoderTasksConfig config) implements EngineKey {
        @Override
        public ModelEngine open() {
            return DecoderTasks.open(modelDir, config);
        }
    }

    private record TokenizerKey(Path modelDir, int maxLength) {}

    /** Every engine of this JVM, of every family. */
    private static final SharedResources<EngineKey, ModelEngine> ENGINES = new SharedResources<>(EngineKey::open);

    private static final SharedResources<TokenizerKey, TextTokenizer> TOKENIZERS =
            new SharedResources<>(key -> {
                try {
                    return TextTokenizer.load(key.modelDir(), key.maxLength());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot load the tokenizer of " + key.modelDir(), e);
                }
            });

    private SharedModels() {}

    /** Leases the encoder engine of the checkpoint in {@code modelDir}, loading it on first use. */
    public static SharedResources.Lease<EncoderEngine> engine(Path modelDir, EngineSettings settings) {
        return ENGINES.acquire(new EncoderKey(modelDir.toAbsolutePath().normalize(), settings))
                .map(EncoderEngine.class::cast);
    }

    /**
     * Leases the tokenizer of the checkpoint in {@code modelDir}.
     *
     * @param maxLength tokens kept per text, special tokens included; capped by the model's limit
     */
    public static SharedResources.Lease<TextTokenizer> tokenizer(Path modelDir, int maxLength) {
        return TOKENIZERS.acquire(new TokenizerKey(modelDir.toAbsolutePath().normalize(), maxLength));
    }

    /**
     * Leases the decoder engine of the instruction checkpoint in {@code modelDir}, loading it on first
     * use; tasks with the same model and engine settings (speculation and draft included) share one.
     */
    public static SharedResources.Lease<DecoderTasks> decoder(Path modelDir, DecoderTasksConfig config) {
        return ENGINES.acquire(new DecoderKey(modelDir.toAbsolutePath().normalize(), config))
                .map(DecoderTasks.class::cast);
    }

    /** Decoder engines open in this JVM (for tests and metrics). */
    public static int openDecoders() {
        return ENGINES.openCount(key -> key instanceof DecoderKey);
    }

    /** Encoder engines open in this JVM (for tests and metrics). */
    public static int openEngines() {
        return ENGINES.openCount(key -> key instanceof EncoderKey);
    }
}
