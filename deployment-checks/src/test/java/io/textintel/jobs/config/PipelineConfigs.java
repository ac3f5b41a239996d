package io.textintel.jobs.config;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** Test access to {@link PipelineConfigLoader}'s parse with an environment of its own (no real secrets). */
public final class PipelineConfigs {

    private PipelineConfigs() {}

    public static PipelineConfig parse(String yaml, String source, List<String> overrides,
            Function<String, String> environment) {
        return PipelineConfigLoader.parse(yaml, source, overrides, environment, Path.of(""));
    }
}
