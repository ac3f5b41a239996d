package io.textintel.jobs.cli;

import io.textintel.jobs.KibanaSavedObjects;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.config.PipelineConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Creates the Kafka topics and installs the Elasticsearch index templates a configuration needs. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Create the configured Kafka topics (input and dead letters) if missing and install the"
                + " Elasticsearch index templates (documents and drift); with --kibana, import the Kibana saved objects.")
final class SetupCommand implements Callable<Integer> {

    @Mixin
    private ConfigOptions config;

    @Option(names = "--kibana", paramLabel = "URL",
            description = "Also import textintel's data views, searches and dashboard into Kibana at this URL"
                    + " (e.g. https://kibana:5601), with the Elasticsearch credentials of the configuration.")
    private String kibanaUrl;

    @Option(names = "--kibana-space", paramLabel = "ID",
            description = "Kibana space to import into (default: the default space).")
    private String kibanaSpace;

    @Option(names = "--kibana-ca-certificate", paramLabel = "FILE",
            description = "PEM file of the CA that signed Kibana's certificate, when it is not the one"
                    + " elasticsearch.ca-certificate names.")
    private String kibanaCaCertificate;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = config.load();
        PipelineSetup.Result result = PipelineSetup.prepare(pipeline, true);
        System.out.println("Topics created: " + (result.createdTopics().isEmpty() ? "none (all exist)" : result.createdTopics()));
        System.out.println("Index templates installed: " + result.templates()
                + " (embedding dimensions " + result.embeddingDimension() + ")");
        if (kibanaUrl != null) {
            var imported = KibanaSavedObjects.importInto(kibanaUrl, kibanaSpace, kibanaCaCertificate, pipeline);
            System.out.println("Kibana saved objects imported: " + imported.successCount() + " " + imported.imported());
        }
        return 0;
    }
}
