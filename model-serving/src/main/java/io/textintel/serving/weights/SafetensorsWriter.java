package io.textintel.serving.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Collects F32 tensors and writes them as one safetensors file, stored as F32, F16 or BF16.
 *
 * <p>Tensors are written in name order; the header is padded with spaces to a multiple of 8 bytes,
 * and {@code __metadata__} carries {@code format=pt} unless replaced, as transformers expects.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Pending> tensors = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>(Map.of("format", "pt"));

    private record Pending(DType dtype, long[] shape, float[] values) {}

    /** Adds a metadata entry (replacing one of the same key). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Adds a tensor; {@code values} are row-major and are converted to {@code dtype} on write.
     *
     * @throws IllegalArgumentException if the name repeats, the dtype is not F32/F16/BF16, or the
     *     number of values does not match the shape
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or empty");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor " + name + " was already added");
        }
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("tensor " + name + " has dtype " + dtype + ", expected F32, F16 or BF16");
        }
        long count = new TensorInfo(name, dtype, shape).elementCount();
        if (count != values.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " ("
                    + count + " elements) but " + values.length + " values were given");
        }
        tensors.put(name, new Pending(dtype, shape.clone(), values));
        return this;
    }

    /** Number of tensors added. */
    public int size() {
        return tensors.size();
    }

    /**
     * Writes the file: first to a temporary file beside it, then moved into place.
     *
     * @return {@code file}
     */
    public Path write(Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject(SafetensorsHeader.METADATA_KEY);
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, Pending> entry : tensors.entrySet()) {
            Pending tensor = entry.getValue();
            long bytes = (long) tensor.values().length * tensor.dtype().byteSize();
            ObjectNode node = header.putObject(entry.getKey());
            node.put("dtype", tensor.dtype().safetensorsName());
            var shapeNode = node.putArray("shape");
            Arrays.stream(tensor.shape()).forEach(shapeNode::add);
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();

        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = parent.resolve(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, prefix);
            for (Pending tensor : tensors.values()) {
                writeTensor(out, tensor);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private static void writeTensor(FileChannel out, Pending tensor) throws IOException {
        float[] values = tensor.values();
        int chunk = 1 << 16;
        ByteBuffer buffer = ByteBuffer.allocate(chunk * tensor.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < values.length; start += chunk) {
            int end = Math.min(values.length, start + chunk);
            buffer.clear();
            switch (tensor.dtype()) {
                case F32 -> buffer.asFloatBuffer().put(values, start, end - start);
                case F16 -> {
                    for (int i = start; i < end; i++) {
                        buffer.putShort((i - start) * 2, Float16.fromFloat(values[i]));
                    }
                }
                case BF16 -> {
                    for (int i = start; i < end; i++) {
                        buffer.putShort((i - start) * 2, BFloat16.fromFloat(values[i]));
                    }
                }
                default -> throw new IllegalStateException("dtype " + tensor.dtype() + " passed add(); this is a bug");
            }
            buffer.limit((end - start) * tensor.dtype().byteSize());
            writeFully(out, buffer);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
