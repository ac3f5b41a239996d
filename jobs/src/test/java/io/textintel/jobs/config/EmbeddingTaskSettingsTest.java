package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.inference.ExtractiveSettings;
import io.textintel.operators.inference.FewShotSettings;
import io.textintel.operators.inference.LabelledExample;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.ZeroShotSettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The zero-shot, few-shot and extractive modes and the prefixes, as the configuration gives them. */
class EmbeddingTaskSettingsTest {

    @TempDir
    Path dir;

    private static final String HEAD = """
            kafka:
              bootstrap-servers: broker:9092
              topics: [feedback]
            elasticsearch:
              hosts: [http://es:9200]
            tasks:
            """;

    private static List<ModelTask> tasks(String tasks, String... overrides) {
        return PipelineConfigLoader.parse(HEAD + tasks, "test.yaml", List.of(overrides)).modelTasks();
    }

    private Path examples() throws IOException {
        return Files.writeString(dir.resolve("examples.jsonl"), """
                {"text": "I was charged twice", "label": "billing"}
                {"text": "double payment on my card", "label": "billing"}
                {"text": "the parcel is late", "label": "delivery"}
                {"text": "still waiting for my order", "label": "delivery"}
                """);
    }

    @Test
    void zeroShotLabelsAreAListOrAMappingToDescriptions() {
        List<ModelTask> tasks = tasks("""
                  listed:
                    kind: tag
                    mode: zero-shot
                    model: org/embedder
                    labels: [app_crash, refund]
                  described:
                    kind: tag
                    mode: zero-shot
                    model: org/embedder
                    prefix: "query: "
                    label-prefix: "passage: "
                    temperature: 0.02
                    multi-label: true
                    min-score: 0.4
                    labels:
                      refund: [money back, reimbursement]
                      delivery: the parcel is late
                      praise: ~
                """);

        ZeroShotSettings listed = tasks.get(0).zeroShot();
        assertThat(tasks.get(0).kind()).isEqualTo(TaskKind.ZERO_SHOT_TAG);
        assertThat(listed.descriptions()).containsExactly(List.of("app crash"), List.of("refund"));
        assertThat(listed.temperature()).isEqualTo(ZeroShotSettings.DEFAULT_TEMPERATURE);
        assertThat(listed.multiLabel()).isFalse();
        ZeroShotSettings described = tasks.get(1).zeroShot();
        assertThat(described.labels()).containsExactly("refund", "delivery", "praise");
        assertThat(described.descriptions()).containsExactly(List.of("refund", "money back", "reimbursement"),
                List.of("delivery", "the parcel is late"), List.of("praise"));
        assertThat(described.labelPrefix()).isEqualTo("passage: ");
        assertThat(described.temperature()).isEqualTo(0.02f);
        assertThat(described.multiLabel()).isTrue();
        assertThat(tasks.get(1).prefix()).isEqualTo("query: ");
        assertThat(tasks.get(1).minScore()).isEqualTo(0.4f);
    }

    @Test
    void fewShotReadsItsExampleFileWhenTheConfigurationIsRead() throws IOException {
        Path file = examples();
        List<ModelTask> tasks = tasks("""
                  topics:
                    kind: tag
                    mode: few-shot
                    model: org/embedder
                    examples: %s
                    regularization: 0.01
                """.formatted(file));

        FewShotSettings settings = tasks.get(0).fewShot();
        assertThat(tasks.get(0).kind()).isEqualTo(TaskKind.FEW_SHOT_TAG);
        assertThat(settings.labels()).containsExactly("billing", "delivery");
        assertThat(settings.examples()).hasSize(4).first().isEqualTo(new LabelledExample("I was charged twice", "billing"));
        assertThat(settings.regularization()).isEqualTo(0.01f);
        assertThat(settings.minExamplesPerLabel()).isEqualTo(FewShotSettings.DEFAULT_MIN_EXAMPLES_PER_LABEL);
        assertThat(settings.source()).isEqualTo(file.toString());
    }

    @Test
    void fewShotProblemsNameTheExamplesKey() throws IOException {
        String task = """
                  topics:
                    kind: tag
                    mode: few-shot
                    model: org/embedder
                    examples: %s
                """;
        assertThatThrownBy(() -> tasks(task.formatted(dir.resolve("absent.jsonl"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tasks.topics.examples: file " + dir.resolve("absent.jsonl") + " does not exist");
        String file = examples().toString();
        assertThatThrownBy(() -> tasks(task.formatted(file), "tasks.topics.labels=[billing]"))
                .hasMessageContaining("tasks.topics.examples: example 'the parcel is late' in " + file
                        + " has label 'delivery', which is not among labels [billing]");
        assertThatThrownBy(() -> tasks(task.formatted(file), "tasks.topics.labels=[billing, delivery, praise]"))
                .hasMessageContaining("too few texts for labels praise (0)");
        assertThatThrownBy(() -> tasks(task.formatted(file), "tasks.topics.min-examples-per-label=3"))
                .hasMessageContaining("billing (2), delivery (2), expected at least 3 per label");
        assertThatThrownBy(() -> tasks(task.formatted(file), "tasks.topics.examples="))
                .hasMessageContaining("tasks.topics.examples is missing, expected a labelled example file");
        assertThatThrownBy(() -> tasks(task.formatted(file), "tasks.topics.labels={billing: money}"))
                .hasMessageContaining("tasks.topics.labels have descriptions, expected descriptions only for mode"
                        + " zero-shot");
    }

    @Test
    void extractiveSummariesTakeTheirBoundsAndDefaultToOneMoreSentenceThanTheyKeep() {
        List<ModelTask> tasks = tasks("""
                  short:
                    kind: summarize
                    mode: extractive
                    model: org/embedder
                  bounded:
                    kind: summarize
                    mode: extractive
                    model: org/embedder
                    max-sentences: 2
                    max-characters: 280
                    min-sentences: 5
                    min-text-length: 0
                    mmr-lambda: 0.5
                """);

        assertThat(tasks.get(0).kind()).isEqualTo(TaskKind.EXTRACTIVE_SUMMARY);
        assertThat(tasks.get(0).extractive()).isEqualTo(ExtractiveSettings.of(ExtractiveSettings.DEFAULT_MAX_SENTENCES));
        assertThat(tasks.get(1).extractive()).isEqualTo(new ExtractiveSettings(2, 280, 5, 0,
                ExtractiveSettings.DEFAULT_MAX_INPUT_SENTENCES, 0.5f));
    }

    @Test
    void summarizeStillDefaultsToTheDecoder() {
        assertThat(tasks("""
                  summary:
                    kind: summarize
                    model: org/decoder
                """).get(0).kind()).isEqualTo(TaskKind.SUMMARIZE);
    }

    @Test
    void aKeyOfAnotherModeIsNamedWithTheModesItBelongsTo() {
        String tasks = """
                  summary:
                    kind: summarize
                    model: org/decoder
                  topics:
                    kind: tag
                    mode: zero-shot
                    model: org/embedder
                    labels: [a, b]
                """;
        assertThatThrownBy(() -> tasks(tasks, "tasks.summary.prefix=q", "tasks.summary.max-sentences=2",
                "tasks.topics.examples=x.jsonl", "tasks.topics.temperature=0", "tasks.topics.mmr-lambda=2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tasks.summary.prefix is set for kind summarize, expected prefix only for"
                        + " encoder tasks")
                .hasMessageContaining("tasks.summary.max-sentences is set for kind summarize, expected max-sentences"
                        + " only for summarize mode extractive")
                .hasMessageContaining("tasks.topics.examples is set for kind tag mode zero-shot, expected examples"
                        + " only for tag mode few-shot")
                .hasMessageContaining("tasks.topics.temperature is 0.0, expected a number > 0")
                .hasMessageContaining("tasks.topics.mmr-lambda is set for kind tag mode zero-shot");
        assertThatThrownBy(() -> tasks(tasks, "tasks.topics.labels=[a]"))
                .hasMessageContaining("tasks.topics: labels has one label, expected at least two");
        assertThatThrownBy(() -> tasks(tasks, "tasks.topics.labels={a: [x, 3]}"))
                .hasMessageContaining("label 'a' has description [x, 3], expected a description or a list");
    }
}
