package io.textintel.jobs.config;

import io.textintel.operators.inference.AsyncInferenceSettings;
import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of a {@code TextIntelligenceJob}, as read from one YAML file plus
 * command-line overrides by {@link PipelineConfigLoader}. Keys are kebab-case; see the README's
 * configuration reference.
 *
 * @param jobName the Flink job's name
 * @param parallelism default parallelism of the job's operators
 * @param kafka input and dead-letter topics
 * @param elasticsearch where documents are indexed
 * @param tasks the model tasks by name, run in the order given
 * @param engine how the shared inference engines batch
 * @param inference how the async operator bounds, times out and retries requests
 * @param checkpointing Flink checkpointing
 * @param hub where models are downloaded from and cached
 * @param validation limits on input records
 * @param drift the drift monitor
 */
public record PipelineConfig(
        String jobName,
        Integer parallelism,
        KafkaSettings kafka,
        ElasticsearchSettings elasticsearch,
        LinkedHashMap<String, TaskSettings> tasks,
        EngineSettings engine,
        AsyncInferenceSettings inference,
        CheckpointSettings checkpointing,
        RestartSettings restart,
        ModelRepository hub,
        ValidationSettings validation,
        DriftMonitorSettings drift) {

    public PipelineConfig {
        jobName = jobName == null ? "textintel" : jobName;
        parallelism = parallelism == null ? 1 : parallelism;
        kafka = kafka == null
                ? new KafkaSettings(null, null, null, null, null, null, null, null, null, null, null, null)
                : kafka;
        elasticsearch = elasticsearch == null
                ? new ElasticsearchSettings(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null)
                : elasticsearch;
        tasks = tasks == null ? new LinkedHashMap<>() : new LinkedHashMap<>(tasks);
        engine = engine == null ? EngineSettings.defaults() : engine;
        inference = inference == null ? AsyncInferenceSettings.defaults() : inference;
        checkpointing = checkpointing == null ? CheckpointSettings.defaults() : checkpointing;
        restart = restart == null ? RestartSettings.defaults() : restart;
        hub = hub == null ? ModelRepository.defaults() : hub;
        validation = validation == null ? ValidationSettings.defaults() : validation;
        drift = drift == null ? DriftMonitorSettings.defaults() : drift;
    }

    /** Checks every setting, throwing one {@link ConfigException} that lists all problems. */
    public PipelineConfig validate(String source) {
        ConfigProblems problems = new ConfigProblems();
        problems.requireText("job-name", jobName, "a job name");
        problems.requireAtLeast("parallelism", parallelism, 1);
        kafka.validate(problems);
        checkpointing.validate(problems);
        kafka.validateAgainst(checkpointing, problems);
        elasticsearch.validate(problems);
        if (tasks.isEmpty()) {
            problems.add("tasks", "is empty", "at least one task, e.g. tasks.embed.kind: embed");
        }
        tasks.forEach((name, task) -> {
            if (task == null) {
                problems.add("tasks." + name, "is empty", "kind and model");
            } else {
                task.validate(name, problems);
            }
        });
        restart.validate(problems);
        try {
            hub.remoteMavenRepository();
        } catch (IllegalArgumentException e) {
            problems.add("hub", e.getMessage());
        }
        validation.validate(problems);
        DeadLetterLimits.validate(validation, kafka, problems);
        drift.validate(problems);
        // Every subtask of a JVM sends one request per document and model to the same shared engine. With room
        // for all of them the engine never refuses what the async operator admitted: overload becomes back-pressure.
        long admitted = (long) inference.capacity() * parallelism;
        int queue = engine.toEngineConfig().maxQueuedRequests();
        if (admitted > queue) {
            problems.add("engine.max-queued-requests", "is " + queue, "at least inference.capacity × parallelism = "
                    + admitted + ", so that the engine never refuses work the pipeline admitted");
        }
        problems.throwIfAny(source);
        return this;
    }

    /** The sizes of dead letters, their producer's requests and their topic's messages. */
    public DeadLetterLimits deadLetterLimits() {
        return DeadLetterLimits.of(validation, kafka);
    }

    /** The model tasks in configuration order. */
    public List<ModelTask> modelTasks() {
        List<ModelTask> list = new ArrayList<>(tasks.size());
        for (Map.Entry<String, TaskSettings> task : tasks.entrySet()) {
            list.add(task.getValue().toModelTask(task.getKey()));
        }
        return list;
    }
}
