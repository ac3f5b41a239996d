package io.textintel.operators;

import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.TextRecord;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The generated checkpoints and input records the operator tests run on: a sentence-transformers
 * embedder and a sequence classifier, both small enough to load in milliseconds.
 */
public final class TestModels {

    /** The classifier's labels, in id order. */
    public static final List<String> LABELS = List.of("billing", "delivery", "app_crash", "praise", "refund");

    /** Width of both models, which is the embedder's embedding dimension. */
    public static final int HIDDEN = TinyBertSpec.small().hiddenSize();

    /** Position embeddings of both models, and so their tokenizers' length limit. */
    public static final int MAX_POSITIONS = TinyBertSpec.small().maxPositions();

    private TestModels() {}

    /** Writes the embedder into {@code dir}. */
    public static Path embedder(Path dir) throws IOException {
        return TinyModelGenerator.writeBertEmbedder(dir, TinyBertSpec.small());
    }

    /** Writes the classifier with {@link #LABELS} into {@code dir}, with other weights than the embedder's. */
    public static Path classifier(Path dir) throws IOException {
        return TinyModelGenerator.writeBertClassifier(dir, TinyBertSpec.small().withSeed(7), LABELS);
    }

    /** A validated record with {@code id} and {@code text}. */
    public static TextRecord record(String id, String text) {
        return TextRecord.newBuilder().setId(id).setText(text).setSource("web").setLanguage("en")
                .setEventTime(Instant.parse("2026-10-05T12:00:00Z")).build();
    }

    /** Where a test record was read from: partition 0 of topic {@code feedback} at {@code offset}. */
    public static KafkaProvenance provenance(long offset) {
        return new KafkaProvenance("feedback", 0, offset, Instant.parse("2026-10-05T12:00:01Z"));
    }
}
