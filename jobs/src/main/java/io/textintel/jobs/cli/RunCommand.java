package io.textintel.jobs.cli;

import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Runs the pipeline of a configuration file in an in-process Flink MiniCluster against your own services. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline in-process (Flink MiniCluster) against the Kafka and Elasticsearch of a"
                + " configuration file. For a Flink cluster, submit io.textintel.jobs.TextIntelligenceJob instead.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    private ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = config.load();
        PipelineSetup.prepare(pipeline);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                pipeline.parallelism(), TextIntelligenceJob.flinkConfiguration(pipeline));
        new TextIntelligenceJob(pipeline).addTo(env);
        System.out.printf("Running %s: %s -> %s (Ctrl-C to stop)%n", pipeline.jobName(),
                pipeline.kafka().topics(), pipeline.elasticsearch().index());
        env.execute(pipeline.jobName());
        return 0;
    }
}
