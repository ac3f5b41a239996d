package io.textintel.jobs;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.serving.spec.Speculation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills a model cache with every model a pipeline's tasks reference (each task's model and, with
 * draft-model speculation, its draft model), so that TaskManagers configured with
 * {@code hub.offline: true} and the same cache (a shared volume) only read it. Set-up work, done by
 * {@code textintel models pull} before a job is submitted, never by the job itself.
 */
public final class ModelPull {

    /**
     * One model in the cache.
     *
     * @param task the task that references it
     * @param modelId the model id as configured
     * @param resolved where the cache holds it and which revision it is
     */
    public record Pulled(String task, String modelId, ModelRepository.ResolvedModel resolved) {}

    /**
     * A model a task references.
     *
     * @param task the task's name
     * @param modelId the model id as configured
     * @param revision the revision to load
     */
    public record Reference(String task, String modelId, String revision) {}

    private ModelPull() {}

    /** Every model the pipeline's tasks reference: each task's model and, with draft-model speculation, its draft. */
    public static List<Reference> references(PipelineConfig config) {
        List<Reference> references = new ArrayList<>();
        for (ModelTask task : config.modelTasks()) {
            references.add(new Reference(task.name(), task.modelId(), task.revisionOrDefault()));
            if (task.generative() != null && task.generative().speculationKind() == Speculation.DRAFT_MODEL) {
                references.add(new Reference(task.name(), task.generative().draftModel(), "main"));
            }
        }
        return references;
    }

    /**
     * Downloads or imports the pipeline's models into {@code cacheDir}, or into the configured hub
     * cache when {@code cacheDir} is null. The hub is contacted even if the configuration says
     * offline: the offline setting is for the TaskManagers that read the filled cache. Shipped
     * models' jars that are on neither the classpath nor the local Maven repository are downloaded
     * from the configured {@code hub.maven-repository}.
     */
    public static List<Pulled> pull(PipelineConfig config, String cacheDir) throws IOException {
        ModelRepository configured = config.hub();
        ModelRepository online = new ModelRepository(configured.endpoint(),
                cacheDir != null ? cacheDir : configured.cacheDir(), false, configured.mavenRepository(),
                configured.mavenUsername(), configured.mavenPassword());
        List<Pulled> pulled = new ArrayList<>();
        for (Reference model : references(config)) {
            pulled.add(new Pulled(model.task(), model.modelId(),
                    online.resolve(model.task(), model.modelId(), model.revision())));
        }
        return pulled;
    }
}
