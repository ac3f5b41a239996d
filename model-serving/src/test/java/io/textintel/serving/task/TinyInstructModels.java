package io.textintel.serving.task;

import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.SafetensorsFile;
import io.textintel.serving.weights.SafetensorsWriter;
import io.textintel.serving.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Generated instruction checkpoints for the text tasks' tests: random weights, so their outputs mean
 * nothing, but they are deterministic and go through the real tokenizer, chat template and decoder.
 */
final class TinyInstructModels {

    private TinyInstructModels() {}

    /** Checkpoints written so far: the same spec always gives the same bytes, so each is written once per directory. */
    private static final Map<Path, TinyDecoderSpec> WRITTEN = new ConcurrentHashMap<>();

    /** The family's tiny decoder (256 positions) in {@code dir/<family>}. */
    static Path target(Path dir, TinyDecoderSpec spec) throws IOException {
        return write(dir.resolve(spec.family() + "-target"), spec);
    }

    /** A smaller draft of the same family and tokenizer, differently initialised. */
    static Path draft(Path dir, TinyDecoderSpec spec) throws IOException {
        return write(dir.resolve(spec.family() + "-draft"), spec.withSizes(32, 1, 2, 1, 64).withSeed(7));
    }

    private static synchronized Path write(Path modelDir, TinyDecoderSpec spec) throws IOException {
        if (spec.equals(WRITTEN.get(modelDir)) && Files.isRegularFile(modelDir.resolve("model.safetensors"))) {
            return modelDir;
        }
        Path written = TinyModelGenerator.writeDecoder(modelDir, spec);
        WRITTEN.put(modelDir, spec);
        return written;
    }

    /**
     * A copy of the family's target, forced to favour a special token: the LM head's row of
     * {@code special} (the tied embedding's, for Qwen2) becomes {@code scale} times the row of
     * {@code like}, so that wherever {@code like} has the largest positive logit, {@code special}
     * has a larger one. Written under {@code dir/<family>-favouring-<special>}.
     */
    static Path favouring(Path dir, TinyDecoderSpec spec, int special, int like, float scale) throws IOException {
        Path source = target(dir, spec);
        Path copy = dir.resolve(spec.family() + "-favouring-" + special);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals("model.safetensors")) {
                    Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsFile weights = SafetensorsFile.open(source.resolve("model.safetensors"))) {
            String head = weights.contains("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight";
            for (String name : weights.tensorNames()) {
                TensorInfo info = weights.info(name);
                float[] values = weights.readFloats(name);
                if (name.equals(head)) {
                    int hidden = (int) info.shape()[1];
                    for (int i = 0; i < hidden; i++) {
                        values[special * hidden + i] = scale * values[like * hidden + i];
                    }
                }
                writer.add(name, info.dtype(), info.shape(), values);
            }
        }
        writer.write(copy.resolve("model.safetensors"));
        WRITTEN.remove(copy);
        return copy;
    }

    /** A small engine for tests: 2 threads, 4 running sequences, 64 blocks of 8 positions. */
    static DecoderTasksConfig.Builder config() {
        return DecoderTasksConfig.builder().threads(2).maxRunningSequences(4).maxBatchTokens(256).kvBlockSize(8)
                .kvBlocks(128).maxDraftTokens(4);
    }
}
