package io.textintel.serving.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}, seen as one {@link WeightLoader}.
 */
public final class CheckpointWeights implements WeightLoader {

    /** The single-file checkpoint name. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path modelDir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private CheckpointWeights(Path modelDir, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.modelDir = modelDir;
        this.files = List.copyOf(files);
        this.byTensor = Collections.unmodifiableMap(byTensor);
    }

    /**
     * Opens the safetensors weights of {@code modelDir}.
     *
     * @throws IOException if a file cannot be read, or the directory holds no safetensors weights
     * @throws IllegalArgumentException if the index or a shard is malformed
     */
    public static CheckpointWeights open(Path modelDir) throws IOException {
        Path single = modelDir.resolve(SINGLE_FILE);
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byTensor = new TreeMap<>();
            file.tensorNames().forEach(name -> byTensor.put(name, file));
            return new CheckpointWeights(modelDir, List.of(file), byTensor);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(modelDir, index);
        }
        String hint = Files.exists(modelDir.resolve("pytorch_model.bin"))
                ? "; it holds pytorch_model.bin, which is not supported: convert it to safetensors"
                : "";
        throw new IOException("model directory " + modelDir + " has neither " + SINGLE_FILE + " nor " + INDEX_FILE + hint);
    }

    private static CheckpointWeights openSharded(Path modelDir, Path index) throws IOException {
        JsonNode weightMap = JSON.readTree(index.toFile()).path("weight_map");
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new IllegalArgumentException(index + " has no weight_map object, expected {\"tensor\": \"shard file\"}");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        try {
            for (Map.Entry<String, JsonNode> mapping : weightMap.properties()) {
                String shardName = mapping.getValue().asText();
                Path shardPath = modelDir.resolve(shardName).normalize();
                if (!mapping.getValue().isTextual() || !shardPath.startsWith(modelDir.normalize())) {
                    throw new IllegalArgumentException(index + " maps tensor " + mapping.getKey() + " to "
                            + mapping.getValue() + ", expected a file name inside " + modelDir);
                }
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                if (!shard.contains(mapping.getKey())) {
                    throw new IllegalArgumentException(index + " maps tensor " + mapping.getKey() + " to " + shardName
                            + ", but that shard does not hold it");
                }
                byTensor.put(mapping.getKey(), shard);
            }
        } catch (IOException | RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new CheckpointWeights(modelDir, new ArrayList<>(shards.values()), byTensor);
    }

    /** The model directory. */
    public Path modelDir() {
        return modelDir;
    }

    /** The opened files, one per shard. */
    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public Set<String> tensorNames() {
        return byTensor.keySet();
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    @Override
    public float[] readFloats(String name) {
        return fileOf(name).readFloats(name);
    }

    @Override
    public short[] readBFloat16(String name) {
        return fileOf(name).readBFloat16(name);
    }

    /** The tensor's stored little-endian bytes; see {@link SafetensorsFile#raw(String)}. */
    public ByteBuffer raw(String name) {
        return fileOf(name).raw(name);
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile file = byTensor.get(name);
        if (file == null) {
            throw new IllegalArgumentException("tensor " + name + " is not in the checkpoint " + modelDir + " ("
                    + byTensor.size() + " tensors, e.g. " + byTensor.keySet().stream().limit(5).toList() + ")");
        }
        return file;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "CheckpointWeights[" + modelDir + ", " + byTensor.size() + " tensors in " + files.size() + " files]";
    }
}
