package io.textintel.serving.importer;

import io.textintel.serving.config.PoolingMode;
import java.util.List;
import java.util.Objects;

/**
 * A trained model shipped on Maven Central as an ONNX export inside a jar, with what
 * sentence-transformers sets for it.
 *
 * @param key the short name, also the directory name in the cache, e.g. {@code all-minilm-l6-v2}
 * @param aliases other names accepted for it, e.g. {@code minilm}
 * @param name the model's Hugging Face id
 * @param license the weights' license (SPDX id)
 * @param groupId the jar's Maven group
 * @param artifactId the jar's Maven artifact
 * @param version the jar's version the build declares
 * @param onnxEntry the {@code .onnx} entry inside the jar
 * @param tokenizerEntry the {@code tokenizer.json} entry inside the jar
 * @param pooling sentence-transformers' pooling for the model
 * @param maxSeqLength sentence-transformers' {@code max_seq_length} for the model
 */
public record ShippedModel(String key, List<String> aliases, String name, String license, String groupId,
        String artifactId, String version, String onnxEntry, String tokenizerEntry, PoolingMode pooling,
        int maxSeqLength) {

    public ShippedModel {
        Objects.requireNonNull(key, "key");
        aliases = List.copyOf(aliases);
    }

    /** {@code groupId:artifactId:version}. */
    public String coordinates() {
        return groupId + ":" + artifactId + ":" + version;
    }

    /** The import settings: the catalog's pooling, Normalize, and max_seq_length. */
    public ImportSpec spec() {
        return ImportSpec.embedder(name, license, pooling).withMaxSeqLength(maxSeqLength);
    }

    /** Whether {@code value} is this model's key, an alias, its Hugging Face id or its {@code groupId:artifactId}. */
    public boolean matches(String value) {
        return key.equalsIgnoreCase(value) || aliases.stream().anyMatch(value::equalsIgnoreCase)
                || name.equalsIgnoreCase(value) || (groupId + ":" + artifactId).equals(value)
                || coordinates().equals(value);
    }
}
