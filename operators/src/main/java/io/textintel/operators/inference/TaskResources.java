package io.textintel.operators.inference;

import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.ModelEngine;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.DecoderTasks;
import io.textintel.serving.tokenizer.TextTokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one operator subtask leases for its tasks: resolved checkpoints, tokenizers and engines,
 * shared per JVM through {@link SharedModels}. {@link #close()} gives back every lease it handed out,
 * also after a failed open.
 */
public final class TaskResources implements AutoCloseable {

    private final ModelRepository repository;
    private final EngineSettings engineSettings;
    private final List<SharedResources.Lease<?>> leases = new ArrayList<>();
    private final Map<String, ModelRepository.ResolvedModel> models = new HashMap<>();
    /** Engines handed out, each once, with the model id of the first task that asked for it. */
    private final Map<ModelEngine, String> engines = new LinkedHashMap<>();

    private TaskResources(ModelRepository repository, EngineSettings engineSettings) {
        this.repository = repository;
        this.engineSettings = engineSettings;
    }

    /** Resources of the tokenize operator: tokenizers only. */
    public static TaskResources forTokenizing(ModelRepository repository) {
        return new TaskResources(repository, null);
    }

    /** Resources of the inference operator, whose engines run with {@code engineSettings}. */
    public static TaskResources forInference(ModelRepository repository, EngineSettings engineSettings) {
        return new TaskResources(repository, engineSettings);
    }

    /** Opens what tokenizes texts for {@code task}. */
    public TaskTokenizer openTokenizer(ModelTask task) throws IOException {
        return task.kind().type().tokenizer(task, this);
    }

    /** Opens what runs {@code task}; only for resources {@link #forInference}. */
    TaskRunner<?> openRunner(ModelTask task) throws IOException {
        return task.kind().type().runner(task, this);
    }

    /** The task's checkpoint, resolved once. */
    ModelRepository.ResolvedModel model(ModelTask task) throws IOException {
        ModelRepository.ResolvedModel model = models.get(task.name());
        if (model == null) {
            model = repository.resolve(task);
            models.put(task.name(), model);
        }
        return model;
    }

    /** The tokenizer of the task's checkpoint, truncating to the task's {@code max-length} (or the model's limit). */
    TextTokenizer tokenizer(ModelTask task) throws IOException {
        int maxLength = task.maxLength() == 0 ? Integer.MAX_VALUE : task.maxLength();
        return keep(SharedModels.tokenizer(model(task).directory(), maxLength));
    }

    /** The encoder engine of the task's checkpoint. */
    EncoderEngine engine(ModelTask task) throws IOException {
        EncoderEngine engine = keep(SharedModels.engine(model(task).directory(), requireEngineSettings(task)));
        engines.putIfAbsent(engine, task.modelId());
        return engine;
    }

    /** The decoder engine of the task's checkpoint, with the task's speculation (and draft model). */
    DecoderTasks decoder(ModelTask task) throws IOException {
        EngineSettings settings = requireEngineSettings(task);
        GenerativeSettings generative = task.generative();
        Speculation speculation = generative.speculationKind();
        String draftDir = speculation == Speculation.DRAFT_MODEL
                ? repository.resolve(task.name(), generative.draftModel(), "main").directory().toString()
                : null;
        DecoderTasks decoder =
                keep(SharedModels.decoder(model(task).directory(), settings.toDecoderConfig(speculation, draftDir)));
        engines.putIfAbsent(decoder, task.modelId());
        return decoder;
    }

    /** The engines opened so far, of every family, each with the model id its first task named. */
    Map<ModelEngine, String> engines() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(engines));
    }

    private EngineSettings requireEngineSettings(ModelTask task) {
        if (engineSettings == null) {
            throw new IllegalStateException("task '" + task.name() + "' asked the tokenize operator's resources for"
                    + " an engine, expected engines only in the inference operator. This is a bug.");
        }
        return engineSettings;
    }

    private <R> R keep(SharedResources.Lease<R> lease) {
        leases.add(lease);
        return lease.get();
    }

    @Override
    public void close() {
        for (int i = leases.size() - 1; i >= 0; i--) {
            leases.get(i).close();
        }
        leases.clear();
        engines.clear();
    }
}
