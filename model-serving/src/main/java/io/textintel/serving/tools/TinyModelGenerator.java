package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.weights.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates small random-weight checkpoints in the real Hugging Face layout, for tests, benchmarks
 * and the offline demo: the files transformers' {@code save_pretrained} and sentence-transformers
 * write, loadable by both, and deterministic for a seed.
 *
 * <p>Command line: {@code TinyModelGenerator embedder|classifier|llama|qwen2 OUTPUT_DIR [--hidden N]
 * [--layers N] [--heads N] [--intermediate N] [--max-positions N] [--vocabulary-words N]
 * [--seed N] [--dtype F32|F16|BF16] [--pooling mean|cls] [--bias-norm-std X]
 * [--family bert|mpnet] [--dense N] [--labels a,b,c] [--multi-label]}; for {@code llama} and
 * {@code qwen2} also {@code [--kv-heads N] [--merges N] [--rope-theta X]
 * [--rope-scaling type=T,factor=X,original=N[,low=X,high=X]]} (key/value heads default to half the
 * query heads when that divides them, else all; every decoder shape the engine loads can be written).
 */
public final class TinyModelGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(TinyModelGenerator.class);

    private TinyModelGenerator() {}

    /**
     * Writes a {@code BertModel} (or, for {@link TinyBertSpec.Family#MPNET}, an {@code MPNetModel})
     * checkpoint with a sentence-transformers pipeline (Transformer, Pooling as
     * {@code spec.pooling()}, a tanh {@code Dense} module when {@code spec.denseFeatures() > 0},
     * Normalize) and a WordPiece tokenizer of the family's special tokens into {@code dir}.
     *
     * @return {@code dir}
     */
    public static Path writeBertEmbedder(Path dir, TinyBertSpec spec) throws IOException {
        boolean mpnet = spec.family() == TinyBertSpec.Family.MPNET;
        List<String> tokens = mpnet ? WordPieceVocabulary.mpnetTokens(spec.vocabularyWords())
                : WordPieceVocabulary.tokens(spec.vocabularyWords());
        Files.createDirectories(dir);
        TokenizerFiles.write(dir, tokens, spec.maxPositions(),
                mpnet ? WordPieceVocabulary.Specials.MPNET : WordPieceVocabulary.Specials.BERT);
        BertCheckpointWriter checkpoint = new BertCheckpointWriter(spec, tokens.size(), "").addEncoder();
        writeJson(dir.resolve("config.json"), checkpoint.config(List.of(mpnet ? "MPNetModel" : "BertModel")));
        checkpoint.write(dir.resolve("model.safetensors"));
        writeSentenceTransformersFiles(dir, spec);
        LOG.info("Wrote a {} embedder ({} layers, hidden {}, dense {}, vocabulary {}, {}) to {}", spec.family(),
                spec.layers(), spec.hiddenSize(), spec.denseFeatures(), tokens.size(), spec.dtype(), dir);
        return dir;
    }

    /**
     * Writes a single-label {@code BertForSequenceClassification} checkpoint into {@code dir}.
     *
     * @return {@code dir}
     */
    public static Path writeBertClassifier(Path dir, TinyBertSpec spec, List<String> labels) throws IOException {
        return writeBertClassifier(dir, spec, labels, false);
    }

    /**
     * Writes a {@code BertForSequenceClassification} checkpoint into {@code dir}: encoder tensors
     * prefixed {@code bert.}, {@code classifier.weight}/{@code classifier.bias}, and a config with
     * {@code id2label}, {@code label2id} and {@code problem_type} ({@code multi_label_classification}
     * when {@code multiLabel}, else {@code single_label_classification}).
     *
     * @throws IllegalArgumentException if there are fewer than 2 labels or a label repeats
     */
    public static Path writeBertClassifier(Path dir, TinyBertSpec spec, List<String> labels, boolean multiLabel)
            throws IOException {
        if (spec.family() != TinyBertSpec.Family.BERT) {
            throw new IllegalArgumentException("classifier family is " + spec.family()
                    + ", expected BERT: the generator writes MPNet embedders only");
        }
        if (labels.size() < 2 || new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("labels are " + labels + ", expected at least 2 distinct labels");
        }
        List<String> tokens = WordPieceVocabulary.tokens(spec.vocabularyWords());
        Files.createDirectories(dir);
        TokenizerFiles.write(dir, tokens, spec.maxPositions());
        BertCheckpointWriter checkpoint =
                new BertCheckpointWriter(spec, tokens.size(), "bert.").addEncoder().addClassifier(labels.size());
        ObjectNode config = checkpoint.config(List.of("BertForSequenceClassification"));
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        for (int id = 0; id < labels.size(); id++) {
            id2label.put(String.valueOf(id), labels.get(id));
            label2id.put(labels.get(id), id);
        }
        config.put("problem_type", multiLabel ? "multi_label_classification" : "single_label_classification");
        writeJson(dir.resolve("config.json"), config);
        checkpoint.write(dir.resolve("model.safetensors"));
        LOG.info("Wrote a BERT classifier ({} labels, {} layers, hidden {}) to {}",
                labels.size(), spec.layers(), spec.hiddenSize(), dir);
        return dir;
    }

    /**
     * Writes a causal language model of {@code spec.family()} into {@code dir}: a
     * {@code LlamaForCausalLM} (Llama 3 layout and special tokens) or a {@code Qwen2ForCausalLM}
     * (q/k/v biases, tied embeddings, ChatML tokens), with {@code config.json},
     * {@code generation_config.json}, {@code model.safetensors} and a byte-level BPE tokenizer whose
     * {@code tokenizer_config.json} carries the family's chat template.
     *
     * @return {@code dir}
     */
    public static Path writeDecoder(Path dir, TinyDecoderSpec spec) throws IOException {
        Files.createDirectories(dir);
        List<String> tokens = DecoderTokenizerFiles.write(dir, spec);
        new DecoderCheckpointWriter(spec, tokens).write(dir);
        LOG.info("Wrote a {} decoder ({} layers, hidden {}, heads {}/{}, vocabulary {}, {}) to {}", spec.family(),
                spec.layers(), spec.hiddenSize(), spec.heads(), spec.kvHeads(), tokens.size(), spec.dtype(), dir);
        return dir;
    }

    private static void writeSentenceTransformersFiles(Path dir, TinyBertSpec spec) throws IOException {
        var modules = TokenizerFiles.JSON.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "")
                .put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling")
                .put("type", "sentence_transformers.models.Pooling");
        boolean dense = spec.denseFeatures() > 0;
        if (dense) {
            modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Dense")
                    .put("type", "sentence_transformers.models.Dense");
        }
        String normalizePath = dense ? "3_Normalize" : "2_Normalize";
        modules.addObject().put("idx", dense ? 3 : 2).put("name", dense ? "3" : "2").put("path", normalizePath)
                .put("type", "sentence_transformers.models.Normalize");
        TokenizerFiles.JSON.writeValue(dir.resolve("modules.json").toFile(), modules);

        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.createDirectories(dir.resolve(normalizePath));
        if (dense) {
            Path denseDir = Files.createDirectories(dir.resolve("2_Dense"));
            writeJson(denseDir.resolve("config.json"), TokenizerFiles.JSON.createObjectNode()
                    .put("in_features", spec.hiddenSize())
                    .put("out_features", spec.denseFeatures())
                    .put("bias", true)
                    .put("activation_function", "torch.nn.modules.activation.Tanh"));
            BertCheckpointWriter.writeDense(spec, spec.hiddenSize(), spec.denseFeatures(),
                    denseDir.resolve("model.safetensors"));
        }
        ObjectNode pooling = TokenizerFiles.JSON.createObjectNode()
                .put("word_embedding_dimension", spec.hiddenSize())
                .put("pooling_mode_cls_token", spec.pooling() == TinyBertSpec.Pooling.CLS)
                .put("pooling_mode_mean_tokens", spec.pooling() == TinyBertSpec.Pooling.MEAN)
                .put("pooling_mode_max_tokens", false)
                .put("pooling_mode_mean_sqrt_len_tokens", false)
                .put("pooling_mode_weightedmean_tokens", false)
                .put("pooling_mode_lasttoken", false)
                .put("include_prompt", true);
        writeJson(dir.resolve("1_Pooling/config.json"), pooling);

        ObjectNode stConfig = TokenizerFiles.JSON.createObjectNode();
        stConfig.putObject("__version__")
                .put("sentence_transformers", "3.0.1")
                .put("transformers", "4.44.2")
                .put("pytorch", "2.4.0");
        stConfig.putObject("prompts");
        stConfig.putNull("default_prompt_name");
        stConfig.put("similarity_fn_name", "cosine");
        writeJson(dir.resolve("config_sentence_transformers.json"), stConfig);
        writeJson(dir.resolve("sentence_bert_config.json"), TokenizerFiles.JSON.createObjectNode()
                .put("max_seq_length", spec.maxPositions())
                .put("do_lower_case", false));
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        TokenizerFiles.JSON.writeValue(file.toFile(), node);
    }

    /** Command-line entry point; see the class documentation for the arguments. */
    public static void main(String[] args) {
        try {
            Path written = run(args);
            System.out.println(written.toAbsolutePath());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: TinyModelGenerator embedder|classifier|llama|qwen2 OUTPUT_DIR [--hidden N] [--layers N]"
                    + " [--heads N] [--intermediate N] [--max-positions N] [--vocabulary-words N] [--seed N]"
                    + " [--dtype F32|F16|BF16] [--pooling mean|cls] [--bias-norm-std X] [--family bert|mpnet]"
                    + " [--dense N] [--labels a,b,c] [--multi-label]; llama and qwen2: [--kv-heads N] [--merges N]"
                    + " [--rope-theta X] [--rope-scaling type=T,factor=X,original=N[,low=X,high=X]]");
            System.exit(2);
        } catch (IOException e) {
            System.err.println("error: cannot write the model: " + e);
            System.exit(1);
        }
    }

    static Path run(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("expected a model type and an output directory, got "
                    + Arrays.toString(args));
        }
        String type = args[0];
        Path dir = Path.of(args[1]);
        TinyBertSpec spec = TinyBertSpec.small();
        List<String> labels = List.of("negative", "positive");
        boolean multiLabel = false;
        int hidden = spec.hiddenSize();
        int layers = spec.layers();
        int heads = spec.heads();
        int intermediate = spec.intermediateSize();
        DecoderOptions decoder = new DecoderOptions();
        for (int i = 2; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--multi-label")) {
                multiLabel = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--hidden" -> hidden = parseInt(option, value);
                case "--layers" -> layers = parseInt(option, value);
                case "--heads" -> heads = parseInt(option, value);
                case "--intermediate" -> intermediate = parseInt(option, value);
                case "--max-positions" -> spec = spec.withMaxPositions(parseInt(option, value));
                case "--vocabulary-words" -> spec = spec.withVocabularyWords(parseInt(option, value));
                case "--seed" -> spec = spec.withSeed(parseLong(option, value));
                case "--dtype" -> spec = spec.withDtype(DType.fromSafetensorsName(value));
                case "--pooling" -> spec = spec.withPooling(parsePooling(value));
                case "--bias-norm-std" -> spec = spec.withBiasAndNormStd(parseDouble(option, value));
                case "--family" -> spec = spec.withFamily(parseFamily(value));
                case "--dense" -> spec = spec.withDenseFeatures(parseInt(option, value));
                case "--labels" -> labels = new ArrayList<>(Arrays.asList(value.split(",")));
                case "--kv-heads" -> decoder.kvHeads = parseInt(option, value);
                case "--merges" -> decoder.merges = parseInt(option, value);
                case "--rope-theta" -> decoder.ropeTheta = parseDouble(option, value);
                case "--rope-scaling" -> decoder.ropeScaling = parseRopeScaling(value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        spec = spec.withSizes(hidden, layers, heads, intermediate);
        return switch (type) {
            case "embedder" -> writeBertEmbedder(dir, spec);
            case "classifier" -> writeBertClassifier(dir, spec, labels, multiLabel);
            case "llama" -> writeDecoder(dir, decoder.apply(TinyDecoderSpec.llama(), spec, hidden, layers, heads,
                    intermediate));
            case "qwen2" -> writeDecoder(dir, decoder.apply(TinyDecoderSpec.qwen2(), spec, hidden, layers, heads,
                    intermediate));
            default -> throw new IllegalArgumentException("model type is " + type
                    + ", expected embedder, classifier, llama or qwen2");
        };
    }

    /** The decoder-only options of the command line; null where not given. */
    private static final class DecoderOptions {
        Integer kvHeads;
        Integer merges;
        Double ropeTheta;
        RopeScaling ropeScaling;

        /** {@code base} with the sizes, seed, positions and dtype given on the command line, and these options. */
        TinyDecoderSpec apply(TinyDecoderSpec base, TinyBertSpec options, int hidden, int layers, int heads,
                int intermediate) {
            int kv = kvHeads != null ? kvHeads : TinyDecoderSpec.defaultKvHeads(heads);
            TinyDecoderSpec spec = base.withSizes(hidden, layers, heads, kv, intermediate)
                    .withSeed(options.seed())
                    .withDtype(options.dtype())
                    .withMaxPositions(Math.max(options.maxPositions(), 4))
                    .withRopeScaling(ropeScaling);
            spec = merges != null ? spec.withMerges(merges) : spec;
            return ropeTheta != null ? spec.withRopeTheta(ropeTheta) : spec;
        }
    }

    /** {@code type=T,factor=X,original=N[,low=X,high=X]} as a {@link RopeScaling}. */
    public static RopeScaling parseRopeScaling(String value) {
        Map<String, String> fields = new HashMap<>();
        for (String part : value.split(",")) {
            int equals = part.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("--rope-scaling part '" + part + "' of " + value
                        + " is not key=value; expected type=T,factor=X,original=N[,low=X,high=X]");
            }
            fields.put(part.substring(0, equals).trim(), part.substring(equals + 1).trim());
        }
        Set<String> unknown = new TreeSet<>(fields.keySet());
        unknown.removeAll(Set.of("type", "factor", "original", "low", "high"));
        if (!unknown.isEmpty() || !fields.containsKey("type") || !fields.containsKey("factor")
                || !fields.containsKey("original")) {
            throw new IllegalArgumentException("--rope-scaling is " + value
                    + ", expected type=T,factor=X,original=N[,low=X,high=X]" + (unknown.isEmpty() ? ""
                    : " (unknown keys " + unknown + ")"));
        }
        return new RopeScaling(fields.get("type"), parseDouble("--rope-scaling factor", fields.get("factor")),
                parseDouble("--rope-scaling low", fields.getOrDefault("low", "0")),
                parseDouble("--rope-scaling high", fields.getOrDefault("high", "0")),
                parseInt("--rope-scaling original", fields.get("original")));
    }

    private static TinyBertSpec.Family parseFamily(String value) {
        try {
            return TinyBertSpec.Family.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--family is " + value + ", expected bert or mpnet", e);
        }
    }

    private static TinyBertSpec.Pooling parsePooling(String value) {
        try {
            return TinyBertSpec.Pooling.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--pooling is " + value + ", expected mean or cls", e);
        }
    }

    private static int parseInt(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " is " + value + ", expected an integer", e);
        }
    }

    private static long parseLong(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " is " + value + ", expected an integer", e);
        }
    }

    private static double parseDouble(String option, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " is " + value + ", expected a number", e);
        }
    }
}
