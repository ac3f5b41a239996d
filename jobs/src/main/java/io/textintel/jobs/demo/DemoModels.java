package io.textintel.jobs.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's models: a trained sentence embedder, which serves the embed task, the topic tagger (a
 * few-shot head or zero-shot label descriptions on its embeddings) and the extractive summaries;
 * optionally a named topic classifier; and, only when asked for, a generated Qwen2-style decoder
 * whose untrained summaries show the generative path at work.
 *
 * <p>The default embedder is all-MiniLM-L6-v2 from its Maven Central artifact ({@code maven:}
 * model ids), imported once into the model cache, so the demo needs no model hub.
 */
final class DemoModels {

    /** The generated summariser: a 2-layer, 64-wide Qwen2 with ChatML tokens and 256 positions. */
    private static final TinyDecoderSpec UNTRAINED_DECODER = TinyDecoderSpec.qwen2().withSeed(11);

    private final String embedderId;
    private final Path embedder;
    private final Path untrainedDecoder;

    private DemoModels(String embedderId, Path embedder, Path untrainedDecoder) {
        this.embedderId = embedderId;
        this.embedder = embedder;
        this.untrainedDecoder = untrainedDecoder;
    }

    static DemoModels prepare(Demo.Options options, PrintStream out) throws IOException {
        ModelRepository.ResolvedModel resolved;
        try {
            resolved = ModelRepository.defaults().resolve("embed", options.embedModel(), "main");
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot load the embedding model " + options.embedModel() + ": " + e.getMessage()
                    + ". Without a model hub, use the default " + Demo.DEFAULT_EMBED_MODEL
                    + " (shipped on Maven Central) or a local checkpoint directory.", e);
        }
        out.println("  embedder: " + options.embedModel() + describeImport(resolved.directory()));
        out.println("            " + resolved.directory());
        out.println("  tags:     " + (options.tagModel() != null ? "classifier " + options.tagModel()
                : options.tagMode() + " on the embedder's embeddings"
                        + (options.tagMode() == Demo.TagMode.FEW_SHOT ? " (head fitted on the demo's example file,"
                                + " which is apart from the published sample)" : " (label descriptions)")));
        Path decoder = null;
        if (options.untrainedDecoder()) {
            decoder = TinyModelGenerator.writeDecoder(options.workDir().resolve("models").resolve("untrained-decoder"),
                    UNTRAINED_DECODER);
            out.println("  summaries: generated Qwen2-style decoder (hidden " + UNTRAINED_DECODER.hiddenSize() + ", "
                    + UNTRAINED_DECODER.layers() + " layers) at " + decoder);
            out.println("  NOTE: that decoder is UNTRAINED (random weights): it exercises the decoder, map-reduce and"
                    + " speculative decoding for real, but its summaries are random text.");
        } else {
            out.println("  summaries: extractive, the most central sentences of longer messages by their embeddings");
        }
        return new DemoModels(options.embedModel(), resolved.directory(), decoder);
    }

    /** The model's name and license as its import recorded them, or nothing for other checkpoints. */
    private static String describeImport(Path directory) throws IOException {
        Path provenance = directory.resolve("textintel-import.json");
        if (!Files.isRegularFile(provenance)) {
            return "";
        }
        JsonNode json = new ObjectMapper().readTree(provenance.toFile());
        JsonNode source = json.path("source");
        return String.format(" = %s (%s), imported from %s", json.path("name").asText("?"),
                json.path("license").asText("license unknown"),
                source.path("artifact").asText(source.path("onnx").asText("an ONNX export")));
    }

    /** The embedder as the pipeline names it: a hub id, a directory or a {@code maven:} id. */
    String embedderId() {
        return embedderId;
    }

    /** The generated decoder's directory, or null unless the untrained decoder was asked for. */
    Path untrainedDecoder() {
        return untrainedDecoder;
    }

    /** Embeds a query with the pipeline's embedder, for a kNN search. */
    float[] embedQuery(String query) throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE);
                EncoderEngine engine = EncoderEngine.open(embedder, EngineConfig.defaults())) {
            return engine.embed(tokenizer.encode(query).ids()).get();
        }
    }
}
