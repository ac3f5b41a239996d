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
 * How a sentence-transformers checkpoint pools token states into a sentence embedding: the
 * {@code Pooling} module named in {@code modules.json} and its {@code config.json}.
 *
 * @param mode the one pooling mode the module enables
 * @param dimension {@code word_embedding_dimension}: the encoder's hidden size
 * @param normalize whether {@code modules.json} ends with a {@code Normalize} module
 */
public record PoolingConfig(PoolingMode mode, int dimension, boolean normalize) {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MODULE_PREFIX = "sentence_transformers.models.";

    public PoolingConfig {
        Objects.requireNonNull(mode, "mode");
        if (dimension <= 0) {
            throw new IllegalArgumentException("pooling word_embedding_dimension " + dimension + ", expected > 0");
        }
    }

    /**
     * Reads the pooling settings of a sentence-transformers model directory.
     *
     * @return empty when the directory has no {@code modules.json} (a plain transformers checkpoint)
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the modules or the pooling settings are not ones the
     *     engine computes (e.g. a {@code Dense} module, or several pooling modes at once)
     */
    public static Optional<PoolingConfig> read(Path modelDir) throws IOException {
        Path modulesFile = modelDir.resolve("modules.json");
        if (!Files.isRegularFile(modulesFile)) {
            return Optional.empty();
        }
        JsonNode modules = MAPPER.readTree(modulesFile.toFile());
        String poolingPath = null;
        boolean normalize = false;
        for (JsonNode module : modules) {
            String type = module.path("type").asText("");
            String simpleType = type.startsWith(MODULE_PREFIX) ? type.substring(MODULE_PREFIX.length()) : type;
            switch (simpleType) {
                case "Transformer":
                    break;
                case "Pooling":
                    poolingPath = module.path("path").asText("");
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                default:
                    throw new IllegalArgumentException("modules.json of " + modelDir + " lists module type " + type
                            + ", expected only Transformer, Pooling and Normalize");
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
        return Optional.of(parse(MAPPER.readTree(poolingFile.toFile()), normalize, poolingFile.toString()));
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
