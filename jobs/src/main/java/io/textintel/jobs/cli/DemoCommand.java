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

    @Option(names = "--embed-model", defaultValue = "sentence-transformers/all-MiniLM-L6-v2",
            description = "Embedding model: hub id or local checkpoint; a generated one when it cannot be loaded"
                    + " (default: ${DEFAULT-VALUE}).")
    String embedModel;

    @Option(names = "--tag-model", description = "Topic classification model (hub id or local checkpoint) whose"
            + " labels are the topics; default: a generated model with the demo's twelve topics.")
    String tagModel;

    @Option(names = "--query", defaultValue = "The app crashes every time I open my order history",
            description = "Sentence for the kNN query (default: ${DEFAULT-VALUE}).")
    String query;

    @Option(names = "--keep-running", description = "Keep Kafka and Elasticsearch running after the demo until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        new Demo(new Demo.Options(workDir.toAbsolutePath(), parallelism, keepRunning, embedModel, tagModel, query),
                System.out).run();
        return 0;
    }
}
