package io.textintel.jobs.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's {@code tasks:} section as the command line chose it: the embedder behind every encoder
 * task, the tagger's mode (few-shot on the shipped example file, zero-shot on the topic descriptions,
 * or a named classifier), and summaries by the extractive task unless the untrained decoder was asked for.
 */
final class DemoTasks {

    private static final YAMLMapper YAML = new YAMLMapper();

    private DemoTasks() {}

    /**
     * The pipeline YAML with its tasks set for {@code options}; the few-shot examples are copied into the work
     * directory, where the configuration reads them.
     */
    static String configure(String pipelineYaml, Demo.Options options, DemoModels models) throws IOException {
        return configure(pipelineYaml, options, models.embedderId(), models.untrainedDecoder());
    }

    /**
     * The same with the embedder named by {@code embedderId}, and summaries by {@code untrainedDecoder} when it is
     * not null.
     */
    static String configure(String pipelineYaml, Demo.Options options, String embedderId, Path untrainedDecoder)
            throws IOException {
        ObjectNode root = (ObjectNode) YAML.readTree(pipelineYaml);
        ObjectNode tasks = (ObjectNode) root.required("tasks");
        ((ObjectNode) tasks.required("embed")).put("model", embedderId);
        tasks.set("tag", tagTask((ObjectNode) tasks.required("tag"), options, embedderId));
        if (untrainedDecoder != null) {
            tasks.set("summary", untrainedSummaryTask(untrainedDecoder));
        } else {
            ((ObjectNode) tasks.required("summary")).put("model", embedderId);
        }
        return YAML.writeValueAsString(root);
    }

    private static ObjectNode tagTask(ObjectNode fewShot, Demo.Options options, String embedderId) throws IOException {
        if (options.tagModel() != null) {
            ObjectNode classifier = YAML.createObjectNode();
            classifier.put("kind", "tag").put("model", options.tagModel()).put("top-k", 3);
            return classifier;
        }
        if (options.tagMode() == Demo.TagMode.ZERO_SHOT) {
            ObjectNode zeroShot = YAML.createObjectNode();
            zeroShot.put("kind", "tag").put("mode", "zero-shot").put("model", embedderId)
                    .put("max-length", fewShot.path("max-length").asInt(256)).put("top-k", 3)
                    .put("min-score", fewShot.path("min-score").asDouble(0));
            zeroShot.set("labels", YAML.readTree(DemoData.topicDescriptions()));
            return zeroShot;
        }
        Path examples = options.workDir().resolve("feedback-examples.jsonl");
        Files.createDirectories(examples.getParent());
        Files.writeString(examples, DemoData.examples(), StandardCharsets.UTF_8);
        return fewShot.put("model", embedderId).put("examples", examples.toString());
    }

    /**
     * Summaries by the generated decoder: short, one sentence, prompt-lookup speculation, sampled with a fixed
     * seed (greedy decoding of an untrained model repeats one token; the seed keeps replays identical).
     */
    private static ObjectNode untrainedSummaryTask(Path decoder) {
        ObjectNode summary = YAML.createObjectNode();
        summary.put("kind", "summarize").put("mode", "generative").put("model", decoder.toString())
                .put("max-summary-tokens", 12).put("style", "one sentence").put("speculation", "prompt-lookup")
                .put("temperature", 0.8).put("seed", 7);
        return summary;
    }
}
