package io.textintel.jobs.cli;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options every command that reads a pipeline configuration shares. */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Pipeline configuration (YAML).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a configuration key, e.g. --set kafka.bootstrap-servers=broker:9092 (repeatable).")
    List<String> overrides = new ArrayList<>();

    PipelineConfig load() throws IOException {
        return PipelineConfigLoader.load(file, overrides);
    }
}
