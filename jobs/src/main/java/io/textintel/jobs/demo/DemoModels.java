package io.textintel.jobs.demo;

import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.InferenceEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The demo's three models: an embedder, a topic tagger and an instruction decoder for summaries. The
 * embedder comes from the Hugging Face Hub when it can be reached; otherwise, and for the tagger
 * unless one is named (no public checkpoint knows the demo's twelve topics), they are generated with
 * random weights, which the demo says. The summariser is always a generated, untrained Qwen2-style
 * decoder, so the demo runs offline and fast; its summaries are random text.
 */
final class DemoModels {

    /** The shape of generated demo models: small enough for a laptop, big enough to be a real workload. */
    private static final TinyBertSpec GENERATED = TinyBertSpec.small().withSizes(256, 4, 4, 1024).withMaxPositions(512);

    /** The generated summariser: a 2-layer, 64-wide Qwen2 with ChatML tokens and 256 positions. */
    private static final TinyDecoderSpec SUMMARIZER = TinyDecoderSpec.qwen2().withSeed(11);

    private final Path embedder;
    private final Path tagger;
    private final Path summarizer;
    private final boolean untrained;

    private DemoModels(Path embedder, Path tagger, Path summarizer, boolean untrained) {
        this.embedder = embedder;
        this.tagger = tagger;
        this.summarizer = summarizer;
        this.untrained = untrained;
    }

    static DemoModels prepare(Demo.Options options, PrintStream out) throws IOException {
        Path models = options.workDir().resolve("models");
        boolean untrained = false;
        Path embedder;
        try {
            embedder = new ModelRepository(null, null, null)
                    .resolve(ModelTask.embed("embed", options.embedModel(), null)).directory();
            out.println("  embedder: " + options.embedModel() + " (" + embedder + ")");
        } catch (IOException | RuntimeException e) {
            out.println("  embedder: cannot load " + options.embedModel() + ": " + e.getMessage());
            embedder = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"), GENERATED);
            untrained = true;
            out.println("  embedder: generated " + describe(GENERATED) + " at " + embedder);
        }
        Path tagger;
        if (options.tagModel() != null) {
            tagger = new ModelRepository(null, null, null)
                    .resolve(ModelTask.tag("tag", options.tagModel(), null, 3, 0f)).directory();
            out.println("  tagger:   " + options.tagModel() + " (" + tagger + ")");
        } else {
            tagger = TinyModelGenerator.writeBertClassifier(
                    models.resolve("topic-tagger"), GENERATED.withSeed(7), DemoData.topics());
            untrained = true;
            out.println("  tagger:   generated " + describe(GENERATED) + " with the demo's "
                    + DemoData.topics().size() + " topic labels at " + tagger);
        }
        Path summarizer = TinyModelGenerator.writeDecoder(models.resolve("summarizer"), SUMMARIZER);
        out.println("  summarizer: generated Qwen2-style instruction decoder (hidden " + SUMMARIZER.hiddenSize() + ", "
                + SUMMARIZER.layers() + " layers, " + SUMMARIZER.maxPositions() + " positions) at " + summarizer);
        out.println("  NOTE: the summarizer is UNTRAINED (random weights): it exercises the decoder, map-reduce and"
                + " speculative decoding for real, but its summaries are random text.");
        if (untrained) {
            out.println("  NOTE: generated models have random, untrained weights. The pipeline runs for real,"
                    + " but their embeddings and topic tags carry no meaning.");
        }
        return new DemoModels(embedder, tagger, summarizer, untrained);
    }

    private static String describe(TinyBertSpec spec) {
        return String.format("BERT (hidden %d, %d layers, %d heads)", spec.hiddenSize(), spec.layers(), spec.heads());
    }

    Path embedder() {
        return embedder;
    }

    Path tagger() {
        return tagger;
    }

    Path summarizer() {
        return summarizer;
    }

    boolean untrained() {
        return untrained;
    }

    /** Embeds a query with the pipeline's embedder, for a kNN search. */
    float[] embedQuery(String query) throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE);
                InferenceEngine engine = InferenceEngine.open(embedder, EngineConfig.defaults())) {
            return engine.embed(tokenizer.encode(query).ids()).get();
        }
    }
}
