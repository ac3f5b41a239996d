package io.textintel.jobs.cli;

import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Model management: download checkpoints from the Hugging Face Hub, or generate small random ones. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Download models into the local cache, or generate random-weight checkpoints.",
        subcommands = {ModelsCommand.Download.class, ModelsCommand.Generate.class})
final class ModelsCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = "Download a model from the Hugging Face Hub into the cache (HF_TOKEN for gated models).")
    static final class Download implements Callable<Integer> {

        @Parameters(paramLabel = "MODEL_ID", description = "e.g. sentence-transformers/all-MiniLM-L6-v2")
        String modelId;

        @Option(names = "--revision", defaultValue = "main", description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
        String revision;

        @Option(names = "--cache-dir", description = "Cache directory (default: HF_HUB_CACHE or ~/.cache/textintel/hub).")
        Path cacheDir;

        @Override
        public Integer call() throws Exception {
            ModelRepository repository = new ModelRepository(null, cacheDir == null ? null : cacheDir.toString(), false);
            Path dir = repository.resolve(ModelTask.embed("download", modelId, revision)).directory();
            System.out.println(modelId + "@" + revision + " -> " + dir);
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write a BERT checkpoint with random weights in the Hugging Face layout (config.json,"
                    + " model.safetensors, tokenizer.json): for tests, benchmarks and offline demos. Its outputs are"
                    + " untrained.")
    static final class Generate implements Callable<Integer> {

        @Parameters(paramLabel = "DIR", description = "Output directory.")
        Path dir;

        @Option(names = "--kind", defaultValue = "embedder", description = "embedder or classifier (default: ${DEFAULT-VALUE}).")
        String kind;

        @Option(names = "--labels", split = ",", description = "Classifier labels, comma-separated.")
        List<String> labels;

        @Option(names = "--labels-file", description = "Classifier labels, one per line.")
        Path labelsFile;

        @Option(names = "--hidden", defaultValue = "256") int hidden;
        @Option(names = "--layers", defaultValue = "4") int layers;
        @Option(names = "--heads", defaultValue = "4") int heads;
        @Option(names = "--intermediate", defaultValue = "1024") int intermediate;
        @Option(names = "--max-positions", defaultValue = "512") int maxPositions;
        @Option(names = "--seed", defaultValue = "42") long seed;

        @Override
        public Integer call() throws Exception {
            TinyBertSpec spec = TinyBertSpec.small().withSizes(hidden, layers, heads, intermediate)
                    .withMaxPositions(maxPositions).withSeed(seed);
            Path written;
            switch (kind) {
                case "embedder" -> written = TinyModelGenerator.writeBertEmbedder(dir, spec);
                case "classifier" -> {
                    List<String> names = labelsFile != null ? Files.readAllLines(labelsFile).stream()
                            .filter(l -> !l.isBlank()).toList() : labels;
                    if (names == null || names.isEmpty()) {
                        throw new IllegalArgumentException("--kind classifier needs --labels or --labels-file");
                    }
                    written = TinyModelGenerator.writeBertClassifier(dir, spec, names);
                }
                default -> throw new IllegalArgumentException(
                        "--kind is '" + kind + "', expected embedder or classifier");
            }
            System.out.println("Wrote a random-weight " + kind + " to " + written);
            return 0;
        }
    }
}
