package io.textintel.serving.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a sentence-transformers checkpoint turns token states into a sentence embedding: the
 * {@code Pooling} module named in {@code modules.json} and its {@code config.json}, the
 * {@code Dense} modules after it, and whether a {@code Normalize} module ends the pipeline.
 *
 * <p>The modules run in the order sentence-transformers runs them: Transformer, Pooling, each
 * Dense, Normalize. Any other order, or any other module, is refused.
 *
 * @param mode the one pooling mode the module enables
 * @param dimension {@code word_embedding_dimension}: the encoder's hidden size
 * @param normalize whether {@code modules.json} ends with a {@code Normalize} module
 * @param dense the Dense modules after pooling, in order; empty for none
 */
public record PoolingConfig(PoolingMode mode, int dimension, boolean normalize, List<DenseConfig> dense) {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MODULE_PREFIX = "sentence_transformers.models.";

    public PoolingConfig {
        Objects.requireNonNull(mode, "mode");
        dense = List.copyOf(dense == null ? List.of() : dense);
        if (dimension <= 0) {
            throw new IllegalArgumentException("pooling word_embedding_dimension " + dimension + ", expected > 0");
        }
        int features = dimension;
        for (int i = 0; i < dense.size(); i++) {
            if (dense.get(i).inFeatures() != features) {
                throw new IllegalArgumentException("Dense module " + i + " has in_features " + dense.get(i).inFeatures()
                        + ", expected " + features + ", the size of what comes before it");
            }
            features = dense.get(i).outFeatures();
        }
    }

    /** Pooling without Dense modules. */
    public PoolingConfig(PoolingMode mode, int dimension, boolean normalize) {
        this(mode, dimension, normalize, List.of());
    }

    /** Length of the sentence embedding: the last Dense module's {@code out_features}, else {@link #dimension}. */
    public int outputDimension() {
        return dense.isEmpty() ? dimension : dense.get(dense.size() - 1).outFeatures();
    }

    /**
     * Reads the pooling settings of a sentence-transformers model directory. Dense modules'
     * weights are located, not read.
     *
     * @return empty when the directory has no {@code modules.json} (a plain transformers checkpoint)
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the modules or their settings are not ones the engine
     *     computes (e.g. several pooling modes at once, a Dense module before pooling, or an
     *     unknown module)
     */
    public static Optional<PoolingConfig> read(Path modelDir) throws IOException {
        Path modulesFile = modelDir.resolve("modules.json");
        if (!Files.isRegularFile(modulesFile)) {
            return Optional.empty();
        }
        JsonNode modules = MAPPER.readTree(modulesFile.toFile());
        String poolingPath = null;
        List<DenseConfig> dense = new ArrayList<>();
        boolean normalize = false;
        for (JsonNode module : modules) {
            String type = module.path("type").asText("");
            String path = module.path("path").asText("");
            String simpleType = type.startsWith(MODULE_PREFIX) ? type.substring(MODULE_PREFIX.length()) : type;
            if (normalize) {
                throw new IllegalArgumentException("modules.json of " + modelDir + " lists " + type
                        + " after Normalize, expected Normalize last");
            }
            switch (simpleType) {
                case "Transformer":
                    if (poolingPath != null) {
                        throw new IllegalArgumentException("modules.json of " + modelDir
                                + " lists Transformer after Pooling, expected Transformer first");
                    }
                    break;
                case "Pooling":
                    if (poolingPath != null) {
                        throw new IllegalArgumentException("modules.json of " + modelDir
                                + " lists two Pooling modules, expected one");
                    }
                    poolingPath = path;
                    break;
                case "Dense":
                    if (poolingPath == null) {
                        throw new IllegalArgumentException("modules.json of " + modelDir + " lists Dense module "
                                + path + " before Pooling, expected Dense modules after Pooling");
                    }
                    dense.add(readDense(modelDir, path));
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                default:
                    throw new IllegalArgumentException("modules.json of " + modelDir + " lists module type " + type
                            + ", expected only Transformer, Pooling, Dense and Normalize");
            }
        }
        if (poolingPath == null) {
            return Optional.empty();
        }
        Path poolingFile = modelDir.resolve(poolingPath).resolve("config.json");
        if (!Files.isRegularFile(poolingFile)) {
            throw new IOException("modules.json of " + modelDir + " names pooling module " + poolingPath
                    + ", but " + poolingFile + " does not exist");
        }
        PoolingConfig pooling = parse(MAPPER.readTree(poolingFile.toFile()), normalize, poolingFile.toString());
        return Optional.of(new PoolingConfig(pooling.mode(), pooling.dimension(), normalize, dense));
    }

    private static DenseConfig readDense(Path modelDir, String path) throws IOException {
        Path moduleDir = modelDir.resolve(path);
        Path configFile = moduleDir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("modules.json of " + modelDir + " names Dense module " + path + ", but "
                    + configFile + " does not exist");
        }
        return DenseConfig.parse(moduleDir, MAPPER.readTree(configFile.toFile()));
    }

    static PoolingConfig parse(JsonNode json, boolean normalize, String source) {
        List<PoolingMode> modes = new ArrayList<>();
        if (json.path("pooling_mode_cls_token").asBoolean(false)) {
            modes.add(PoolingMode.CLS);
        }
        if (json.path("pooling_mode_mean_tokens").asBoolean(false)) {
            modes.add(PoolingMode.MEAN);
        }
        if (json.path("pooling_mode_max_tokens").asBoolean(false)) {
            modes.add(PoolingMode.MAX);
        }
        if (json.path("pooling_mode_mean_sqrt_len_tokens").asBoolean(false)) {
            modes.add(PoolingMode.MEAN_SQRT_LEN);
        }
        for (String unsupported : List.of("pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")) {
            if (json.path(unsupported).asBoolean(false)) {
                throw new IllegalArgumentException(source + ": " + unsupported
                        + " is true, expected one of cls_token, mean_tokens, max_tokens, mean_sqrt_len_tokens");
            }
        }
        if (modes.size() != 1) {
            throw new IllegalArgumentException(source + " enables pooling modes " + modes
                    + ", expected exactly one of cls_token, mean_tokens, max_tokens, mean_sqrt_len_tokens");
        }
        return new PoolingConfig(modes.get(0), json.path("word_embedding_dimension").asInt(0), normalize);
    }
}
