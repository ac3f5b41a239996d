package io.textintel.operators.inference;

import io.textintel.serving.hub.HubClient;
import io.textintel.serving.hub.HubException;
import io.textintel.serving.importer.RemoteMavenRepository;
import io.textintel.serving.importer.ShippedModel;
import io.textintel.serving.importer.ShippedModels;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the pipeline's models come from: a local checkpoint directory, the Hugging Face Hub through
 * a local cache, or a model shipped in a Maven artifact ({@code maven:all-minilm-l6-v2}, see
 * {@link ShippedModels}), imported once into a local cache. Each operator subtask resolves its models
 * when it opens; on a TaskManager whose cache already holds the revision nothing is downloaded.
 *
 * @param endpoint the hub's URL; null for {@code HF_ENDPOINT} or https://huggingface.co
 * @param cacheDir the download cache; null for {@code HF_HUB_CACHE} or {@code ~/.cache/textintel/hub}.
 *     Shipped models are imported into its {@code shipped/} folder, or {@link ShippedModels#defaultCacheDir()}
 * @param offline never contact the hub nor download a shipped model's jar, use only the cache (also set by
 *     {@code HF_HUB_OFFLINE=1} for the hub)
 * @param mavenRepository the remote Maven repository a shipped model's jar is downloaded from when it is
 *     on neither the classpath nor the local Maven repository nor in the cache; null for
 *     {@value RemoteMavenRepository#CENTRAL}
 * @param mavenUsername the user for {@code mavenRepository}'s HTTP basic authentication; null for none
 * @param mavenPassword the password of {@code mavenUsername}, e.g. {@code ${env:MAVEN_PASSWORD}}
 */
public record ModelRepository(String endpoint, String cacheDir, Boolean offline, String mavenRepository,
        String mavenUsername, String mavenPassword) implements Serializable {

    /** The prefix of a model id naming a model of the {@link ShippedModels} catalog. */
    public static final String SHIPPED = "maven:";

    /** One import at a time in this JVM, so that subtasks opening together do not import the same model twice. */
    private static final Object IMPORTS = new Object();

    public ModelRepository {
        offline = offline != null && offline;
    }

    /** The hub's defaults, online. */
    public static ModelRepository defaults() {
        return new ModelRepository(null, null, null, null, null, null);
    }

    /** The hub's defaults, with {@code cacheDir} (null for the default) and {@code offline}. */
    public static ModelRepository of(String cacheDir, boolean offline) {
        return new ModelRepository(null, cacheDir, offline, null, null, null);
    }

    /** This repository with shipped models' jars downloaded from {@code url} (null keeps the configured one). */
    public ModelRepository withMavenRepository(String url) {
        return url == null ? this
                : new ModelRepository(endpoint, cacheDir, offline, url, mavenUsername, mavenPassword);
    }

    /**
     * The remote Maven repository of shipped models' jars.
     *
     * @throws IllegalArgumentException naming the URL when it is not an absolute http(s) URL, or when only one
     *     of username and password is set
     */
    public RemoteMavenRepository remoteMavenRepository() {
        return RemoteMavenRepository.of(mavenRepository, mavenUsername, mavenPassword);
    }

    /**
     * A model's checkpoint on local disk.
     *
     * @param directory holds config.json, the safetensors weights and tokenizer.json
     * @param revision the commit it was resolved to on the hub; null for a local directory
     */
    public record ResolvedModel(Path directory, String revision) {}

    /** Finds the checkpoint of {@code task}'s model, downloading it into the cache if needed. */
    public ResolvedModel resolve(ModelTask task) throws IOException {
        return resolve(task.name(), task.modelId(), task.revisionOrDefault());
    }

    /**
     * Finds a model's checkpoint for task {@code taskName} (a task's draft model, say), downloading it
     * into the cache if needed.
     *
     * @param modelId a Hugging Face model id, a local directory, or {@code maven:} and a shipped model's name
     * @param revision the hub revision to load
     */
    public ResolvedModel resolve(String taskName, String modelId, String revision) throws IOException {
        if (modelId.startsWith(SHIPPED)) {
            return resolveShipped(taskName, modelId.substring(SHIPPED.length()));
        }
        Path local = Path.of(modelId);
        if (Files.isDirectory(local)) {
            if (!Files.isRegularFile(local.resolve("config.json"))) {
                throw new IOException("task '" + taskName + "': model directory " + local.toAbsolutePath()
                        + " has no config.json, expected a Hugging Face checkpoint");
            }
            return new ResolvedModel(local.toAbsolutePath().normalize(), null);
        }
        try (HubClient client = hubClient()) {
            Path snapshot = client.resolve(modelId, revision);
            // The cache keeps each revision in snapshots/<commit>: the commit is what was really loaded.
            return new ResolvedModel(snapshot, snapshot.getFileName().toString());
        } catch (HubException e) {
            if (offline && e.kind() == HubException.Kind.NOT_CACHED) {
                throw new HubException(HubException.Kind.NOT_CACHED, "task '" + taskName + "': " + e.getMessage()
                        + ". With hub.offline: true the cache must be filled before the job starts: run"
                        + " `textintel models pull -c <config>` (with --cache-dir for a shared volume)", e);
            }
            throw e;
        }
    }

    /** Whether {@link #resolve} reads {@code modelId} from the hub cache, not a local directory or a shipped model. */
    public static boolean isHubModel(String modelId) {
        return !modelId.startsWith(SHIPPED) && !Files.isDirectory(Path.of(modelId));
    }

    /** The directory hub models are cached in: {@code cacheDir}, else {@code HF_HUB_CACHE}, else the default. */
    public Path hubCacheDir() {
        try (HubClient client = hubClient()) {
            return client.cacheDir();
        }
    }

    private HubClient hubClient() {
        HubClient.Builder hub = HubClient.builder().offline(offline);
        if (endpoint != null) {
            hub.endpoint(URI.create(endpoint));
        }
        if (cacheDir != null) {
            hub.cacheDir(Path.of(cacheDir));
        }
        return hub.build();
    }

    /**
     * Imports a shipped model unless the cache holds it; its revision is the version of the artifact
     * it came from, so that a head fitted on it is versioned with the weights.
     */
    private ResolvedModel resolveShipped(String taskName, String name) throws IOException {
        ShippedModel model;
        try {
            model = ShippedModels.find(name);
        } catch (IllegalArgumentException e) {
            throw new IOException("task '" + taskName + "': " + e.getMessage(), e);
        }
        Path cache = cacheDir == null ? ShippedModels.defaultCacheDir() : Path.of(cacheDir).resolve("shipped");
        synchronized (IMPORTS) {
            return new ResolvedModel(ShippedModels.importInto(cache, model.key(), remoteMavenRepository(), offline),
                    model.version());
        }
    }

    /** The settings, with the Maven password masked. */
    @Override
    public String toString() {
        return "ModelRepository[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", offline=" + offline
                + ", mavenRepository=" + mavenRepository + ", mavenUsername=" + mavenUsername
                + ", mavenPassword=" + (mavenPassword == null ? null : "***") + "]";
    }
}
