package io.textintel.serving.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.SafetensorsWriter;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.onnx.OnnxWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an ONNX export of a BERT-family embedder and its {@code tokenizer.json} into a Hugging Face
 * model directory the engine loads: {@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json} (without embedded truncation and padding), {@code tokenizer_config.json},
 * the sentence-transformers {@code modules.json}, {@code 1_Pooling/config.json} and
 * {@code sentence_bert_config.json}, and {@value #PROVENANCE_FILE}: the model's name, license,
 * source and the SHA-256 of the source files.
 *
 * <p>Imports are idempotent: a directory whose provenance names the same source hashes and
 * settings is left as it is. The directory is written beside its target and moved into place, so
 * an interrupted import leaves either the old directory or the new one, never half of one.
 */
public final class OnnxModelImporter {

    /** The provenance file inside an imported directory. */
    public static final String PROVENANCE_FILE = "textintel-import.json";

    /** Bumped when the files an import writes change, so older imports are redone. */
    static final int FORMAT = 1;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModelImporter.class);
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What an import did.
     *
     * @param directory the model directory
     * @param written false when a matching import was already there
     */
    public record Result(Path directory, boolean written) {}

    private OnnxModelImporter() {}

    /**
     * Imports {@code source} into {@code target} unless {@code target} already holds this import.
     *
     * @throws IOException if a file cannot be read or written
     * @throws IllegalArgumentException naming the node, tensor or value when the export cannot be imported
     */
    public static Result importInto(Path target, ModelSource source, ImportSpec spec) throws IOException {
        String onnxHash = sha256(source::openOnnx);
        byte[] tokenizerBytes;
        try (InputStream in = source.openTokenizer()) {
            tokenizerBytes = in.readAllBytes();
        }
        ObjectNode fingerprint = fingerprint(source, spec, onnxHash, sha256(tokenizerBytes));
        if (matches(target, fingerprint)) {
            LOG.info("{} already holds {} (sha256 {}), not importing again", target, source, onnxHash);
            return new Result(target, false);
        }
        Path parent = target.toAbsolutePath().normalize().getParent();
        Files.createDirectories(parent);
        Path temp = parent.resolve("." + target.getFileName() + ".import-" + UUID.randomUUID());
        try {
            write(temp, source, spec, tokenizerBytes, fingerprint);
            moveIntoPlace(temp, target, fingerprint);
        } finally {
            deleteRecursively(temp);
        }
        LOG.info("Imported {} into {}", source, target);
        return new Result(target, true);
    }

    private static void write(Path dir, ModelSource source, ImportSpec spec, byte[] tokenizerBytes,
            ObjectNode fingerprint) throws IOException {
        Files.createDirectories(dir);
        JsonNode tokenizer = MAPPER.readTree(tokenizerBytes);
        try (OnnxWeights weights = openWeights(source)) {
            EncoderConfig config = config(weights, spec, tokenizer);
            int maxLength = spec.maxSeqLength().orElse(config.maxSequenceLength());
            if (maxLength > config.maxSequenceLength()) {
                throw new IllegalArgumentException("max_seq_length " + maxLength + " of " + spec.name()
                        + " exceeds the model's " + config.maxSequenceLength() + " positions, expected at most that");
            }
            ObjectNode configJson = HfLayoutFiles.config(config);
            if (spec.config() != null) {
                configJson = (ObjectNode) MAPPER.readTree(spec.config().toFile());
            }
            writeJson(dir.resolve(EncoderConfig.FILE_NAME), configJson);
            writeSafetensors(dir.resolve("model.safetensors"), weights, spec, source);
            writeJson(dir.resolve("tokenizer.json"), HfLayoutFiles.tokenizerWithoutLimits(tokenizer));
            writeJson(dir.resolve("tokenizer_config.json"),
                    HfLayoutFiles.tokenizerConfig(tokenizer, config.maxSequenceLength()));
            writeJson(dir.resolve("modules.json"), HfLayoutFiles.modules(spec.normalize()));
            Files.createDirectories(dir.resolve("1_Pooling"));
            writeJson(dir.resolve("1_Pooling").resolve("config.json"),
                    HfLayoutFiles.pooling(spec.pooling(), config.hiddenSize()));
            writeJson(dir.resolve("sentence_bert_config.json"), HfLayoutFiles.sentenceBertConfig(maxLength));
            ObjectNode provenance = fingerprint.deepCopy();
            provenance.put("producer", weights.producer());
            provenance.put("location", source.toString());
            writeJson(dir.resolve(PROVENANCE_FILE), provenance);
        }
        checkLoads(dir);
    }

    private static OnnxWeights openWeights(ModelSource source) throws IOException {
        Optional<Path> file = source.onnxFile();
        if (file.isPresent()) {
            return OnnxWeights.open(file.get());
        }
        try (InputStream in = source.openOnnx()) {
            return OnnxWeights.read(in, source.toString());
        }
    }

    private static EncoderConfig config(OnnxWeights weights, ImportSpec spec, JsonNode tokenizer) throws IOException {
        if (spec.config() != null) {
            return EncoderConfig.parse(Files.readString(spec.config()));
        }
        EncoderConfig derived = weights.deriveConfig(spec.numAttentionHeads());
        if (derived.offsetsPositionsByPadding()) {
            return derived; // the graph's padding id is the one its positions are offset by
        }
        int pad = HfLayoutFiles.padTokenId(tokenizer, derived.padTokenId());
        return new EncoderConfig(derived.modelType(), derived.architectures(), derived.hiddenSize(),
                derived.numHiddenLayers(), derived.numAttentionHeads(), derived.intermediateSize(), derived.hiddenAct(),
                derived.maxPositionEmbeddings(), derived.typeVocabSize(), derived.vocabSize(), derived.layerNormEps(),
                pad, derived.labels(), derived.problemType(), derived.positionEmbeddingType());
    }

    /** Float tensors keep a 16-bit dtype if stored so and become F32 otherwise; integer buffers are left out. */
    private static void writeSafetensors(Path file, OnnxWeights weights, ImportSpec spec, ModelSource source)
            throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        for (String name : weights.tensorNames()) {
            TensorInfo info = weights.info(name);
            if (!info.dtype().isFloatingPoint()) {
                LOG.debug("Leaving out {} ({}): the engine derives it", name, info.dtype());
                continue;
            }
            DType dtype = info.dtype() == DType.F16 || info.dtype() == DType.BF16 ? info.dtype() : DType.F32;
            writer.add(name, dtype, info.shape(), weights.readFloats(name));
        }
        // where the source was found (classpath, jar path) stays out: the same source gives the same file
        writer.metadata("textintel.source", source.artifact().map(a -> a + " ").orElse("") + source.onnxName())
                .metadata("textintel.model", spec.name());
        writer.write(file);
    }

    /** The directory must load as the engine would load it: every tensor present with its expected shape. */
    private static void checkLoads(Path dir) throws IOException {
        try (ScalarBackend backend = new ScalarBackend()) {
            EncoderModel model = EncoderModel.load(dir, backend);
            if (model.pooling().isEmpty()) {
                throw new IllegalStateException("imported directory " + dir
                        + " does not load as an embedder; this is a bug");
            }
        }
        PoolingConfig.read(dir).orElseThrow(); // written above; read back as the engine reads it
    }

    private static ObjectNode fingerprint(ModelSource source, ImportSpec spec, String onnxHash, String tokenizerHash)
            throws IOException {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("format", FORMAT);
        node.put("name", spec.name());
        node.put("license", spec.license());
        node.set("source", source.describe());
        node.put("onnx_sha256", onnxHash);
        node.put("tokenizer_sha256", tokenizerHash);
        node.set("settings", settings(spec));
        return node;
    }

    private static ObjectNode settings(ImportSpec spec) throws IOException {
        ObjectNode settings = MAPPER.createObjectNode();
        settings.put("pooling", spec.pooling().name().toLowerCase(Locale.ROOT));
        settings.put("normalize", spec.normalize());
        spec.maxSeqLength().ifPresent(v -> settings.put("max_seq_length", v));
        spec.numAttentionHeads().ifPresent(v -> settings.put("num_attention_heads", v));
        if (spec.config() != null) {
            settings.put("config_sha256", sha256(Files.readAllBytes(spec.config())));
        }
        return settings;
    }

    /**
     * {@code target} when it holds a complete import of the Maven artifact {@code artifact} (its
     * coordinates) with {@code spec}'s name, license and settings in this importer's format, read
     * without the source: for a cache filled elsewhere, where the source jar is not at hand. The
     * source hashes are not checked (that needs the source); the artifact's coordinates stand for them.
     */
    public static Optional<Path> existingImport(Path target, String artifact, ImportSpec spec) throws IOException {
        Path file = target.resolve(PROVENANCE_FILE);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(target.resolve("model.safetensors"))) {
            return Optional.empty();
        }
        JsonNode existing;
        try {
            existing = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            LOG.warn("Cannot read {} ({}); not using the import there", file, e.toString());
            return Optional.empty();
        }
        boolean same = existing.path("format").asInt(-1) == FORMAT
                && existing.path("name").asText("").equals(spec.name())
                && existing.path("license").asText("").equals(String.valueOf(spec.license()))
                && existing.path("source").path("artifact").asText("").equals(artifact)
                && existing.path("settings").equals(settings(spec));
        if (same) {
            LOG.info("{} holds an import of {}, its jar is not at hand: using the import as it is", target, artifact);
        }
        return same ? Optional.of(target) : Optional.empty();
    }

    /** Whether {@code dir} holds an import with this fingerprint (location and producer do not count). */
    private static boolean matches(Path dir, ObjectNode fingerprint) {
        Path file = dir.resolve(PROVENANCE_FILE);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return false;
        }
        try {
            ObjectNode existing = (ObjectNode) MAPPER.readTree(file.toFile());
            existing.remove("producer");
            existing.remove("location");
            return existing.equals(fingerprint);
        } catch (IOException | ClassCastException e) {
            LOG.warn("Cannot read {} ({}); importing again", file, e.toString());
            return false;
        }
    }

    /**
     * Moves the finished {@code temp} to {@code target}. An older import at {@code target} is moved
     * aside first; if another process put a matching import there meanwhile, that one is kept.
     */
    private static void moveIntoPlace(Path temp, Path target, ObjectNode fingerprint) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            if (!matches(target, fingerprint)) {
                throw new IOException("cannot move the import into " + target + ": another import of a different"
                        + " model was put there meanwhile", e);
            }
        } finally {
            if (old != null) {
                deleteRecursively(old);
            }
        }
    }

    private static void writeJson(Path file, JsonNode node) throws IOException {
        MAPPER.writeValue(file.toFile(), node);
    }

    private static String sha256(ModelSource.Opener opener) throws IOException {
        MessageDigest digest = digest();
        try (InputStream in = new DigestInputStream(opener.open(), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256; every Java platform must", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
