package io.textintel.serving.text;

import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Generated instruction checkpoints for the text tasks' tests: random weights, so their outputs mean
 * nothing, but they are deterministic and go through the real tokenizer, chat template and decoder.
 */
final class TinyInstructModels {

    private TinyInstructModels() {}

    /** The family's tiny decoder (256 positions) in {@code dir/<family>}. */
    static Path target(Path dir, TinyDecoderSpec spec) throws IOException {
        return TinyModelGenerator.writeDecoder(dir.resolve(spec.family() + "-target"), spec);
    }

    /** A smaller draft of the same family and tokenizer, differently initialised. */
    static Path draft(Path dir, TinyDecoderSpec spec) throws IOException {
        return TinyModelGenerator.writeDecoder(dir.resolve(spec.family() + "-draft"),
                spec.withSizes(32, 1, 2, 1, 64).withSeed(7));
    }

    /** A small engine for tests: 2 threads, 4 running sequences, 64 blocks of 8 positions. */
    static DecoderEngineConfig.Builder config() {
        return DecoderEngineConfig.builder().threads(2).maxRunningSequences(4).maxBatchTokens(256).kvBlockSize(8)
                .kvBlocks(128).maxDraftTokens(4);
    }
}
