package io.textintel.serving.importer;

import io.textintel.serving.config.PoolingMode;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What an import writes besides the weights: the model's name and license, and its
 * sentence-transformers settings.
 *
 * @param name the model's name, e.g. its Hugging Face id {@code sentence-transformers/all-MiniLM-L6-v2}
 * @param license the license of the weights, e.g. {@code Apache-2.0}; {@code unknown} when not known
 * @param pooling the sentence pooling sentence-transformers uses for the model
 * @param normalize whether sentence-transformers ends the model with a {@code Normalize} module
 * @param maxSeqLength sentence-transformers' {@code max_seq_length}; empty to use the position embeddings' limit
 * @param numAttentionHeads the head count when the export's graph does not show it; empty to read it from the graph
 * @param config a {@code config.json} to use instead of deriving one from the export; null to derive
 */
public record ImportSpec(String name, String license, PoolingMode pooling, boolean normalize,
        OptionalInt maxSeqLength, OptionalInt numAttentionHeads, Path config) {

    public ImportSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(maxSeqLength, "maxSeqLength");
        Objects.requireNonNull(numAttentionHeads, "numAttentionHeads");
        if (name.isBlank()) {
            throw new IllegalArgumentException("model name is blank, expected e.g. my-org/my-model");
        }
        license = license == null || license.isBlank() ? "unknown" : license.strip();
        if (maxSeqLength.isPresent() && maxSeqLength.getAsInt() < 2) {
            throw new IllegalArgumentException("max_seq_length " + maxSeqLength.getAsInt() + ", expected at least 2");
        }
        if (numAttentionHeads.isPresent() && numAttentionHeads.getAsInt() <= 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads.getAsInt() + ", expected > 0");
        }
    }

    /** An embedder with the given pooling, L2-normalised, with its settings read from the export. */
    public static ImportSpec embedder(String name, String license, PoolingMode pooling) {
        return new ImportSpec(name, license, pooling, true, OptionalInt.empty(), OptionalInt.empty(), null);
    }

    public ImportSpec withMaxSeqLength(int value) {
        return new ImportSpec(name, license, pooling, normalize, OptionalInt.of(value), numAttentionHeads, config);
    }

    public ImportSpec withNumAttentionHeads(int value) {
        return new ImportSpec(name, license, pooling, normalize, maxSeqLength, OptionalInt.of(value), config);
    }

    public ImportSpec withConfig(Path value) {
        return new ImportSpec(name, license, pooling, normalize, maxSeqLength, numAttentionHeads, value);
    }

    public ImportSpec withNormalize(boolean value) {
        return new ImportSpec(name, license, pooling, value, maxSeqLength, numAttentionHeads, config);
    }
}
