package io.textintel.jobs.cli;

import io.textintel.jobs.RetainedCheckpoints;
import io.textintel.jobs.StartChecks;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * Runs the pipeline of a configuration file in an in-process Flink MiniCluster against your own
 * services, with retained checkpoints in the configured (or the default) checkpoint directory, from
 * which {@code --from-checkpoint} starts again.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline in-process (Flink MiniCluster) against the Kafka and Elasticsearch of a"
                + " configuration file (after textintel setup and textintel models pull). For a Flink cluster, submit"
                + " io.textintel.jobs.TextIntelligenceJob instead.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    private ConfigOptions config;

    @Option(names = "--from-checkpoint", paramLabel = "latest|PATH",
            description = "Start from a retained checkpoint: 'latest' (the newest completed one in the checkpoint"
                    + " directory) or the path of a checkpoint (chk-N) or savepoint folder.")
    private String fromCheckpoint;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = config.load();
        Configuration flink = TextIntelligenceJob.flinkConfiguration(pipeline);
        String directory = RetainedCheckpoints.directory(pipeline);
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory);
        if (fromCheckpoint != null) {
            RetainedCheckpoints.Checkpoint restore = RetainedCheckpoints.resolve(fromCheckpoint, directory);
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.folder().toUri().toString());
            System.out.printf("Restoring from checkpoint %s (written %s)%n", restore.folder(), restore.completed());
        }
        StartChecks.run(pipeline, config.file, StartChecks.Where.TASKS_HERE);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                pipeline.parallelism(), flink);
        new TextIntelligenceJob(pipeline).addTo(env);
        System.out.printf("Running %s: %s -> %s; checkpoints in %s (Ctrl-C to stop)%n", pipeline.jobName(),
                pipeline.kafka().topics(), pipeline.elasticsearch().index(), directory);
        env.execute(pipeline.jobName());
        return 0;
    }
}
