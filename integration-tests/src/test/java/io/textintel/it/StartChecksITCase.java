package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.StartCheckException;
import io.textintel.jobs.StartChecks;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfigLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Flink entry point refuses to submit a pipeline whose Kafka topics do not exist, naming the
 * missing ones and {@code textintel setup}, against a real broker.
 */
class StartChecksITCase {

    @TempDir
    Path dir;

    @Test
    void theEntryPointNamesTheMissingTopicsAndTheSetupCommandBeforeSubmitting() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String input = "start-in-" + suffix;
        String deadLetters = "start-dlq-" + suffix;
        String drift = "start-drift-" + suffix;
        TestServices.createTopics(1, input);
        Path config = Files.writeString(dir.resolve("pipeline.yaml"), TestPipeline.BASE_YAML);
        List<String> overrides = new ArrayList<>(TestPipeline.overrides(input, "json", deadLetters, "start-" + suffix));
        overrides.add("drift.topic=" + drift);
        List<String> args = new ArrayList<>(List.of("--config", config.toString()));
        overrides.forEach(override -> args.addAll(List.of("--set", override)));

        assertThatThrownBy(() -> TextIntelligenceJob.main(args.toArray(String[]::new)))
                .isInstanceOfSatisfying(StartCheckException.class,
                        e -> assertThat(e.kind()).isEqualTo(StartCheckException.Kind.TOPIC_MISSING))
                .hasMessageContaining("Kafka at " + TestServices.kafkaBootstrapServers())
                .hasMessageContaining("lacks 2 of the 3 topics the pipeline reads and writes: " + deadLetters + ", "
                        + drift + ". Create them")
                .hasMessageNotContaining(input)
                .hasMessageContaining("textintel setup -c " + config);

        TestServices.createTopics(1, deadLetters, drift);
        assertThatCode(() -> StartChecks.topicsExist(PipelineConfigLoader.load(config, overrides), config,
                Duration.ofSeconds(30))).doesNotThrowAnyException();
    }
}
