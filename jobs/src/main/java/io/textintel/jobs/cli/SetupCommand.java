package io.textintel.jobs.cli;

import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.config.PipelineConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Creates the Kafka topics and installs the Elasticsearch index templates a configuration needs. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Create the configured Kafka topics (input and dead letters) if missing and install the"
                + " Elasticsearch index templates (documents and drift).")
final class SetupCommand implements Callable<Integer> {

    @Mixin
    private ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = config.load();
        PipelineSetup.Result result = PipelineSetup.prepare(pipeline, true);
        System.out.println("Topics created: " + (result.createdTopics().isEmpty() ? "none (all exist)" : result.createdTopics()));
        System.out.println("Index templates installed: " + result.templates()
                + " (embedding dimensions " + result.embeddingDimension() + ")");
        return 0;
    }
}
