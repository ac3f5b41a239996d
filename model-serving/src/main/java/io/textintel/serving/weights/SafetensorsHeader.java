package io.textintel.serving.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file.
 *
 * <p>Validation follows the reference implementation: every tensor's byte range matches its dtype
 * and shape, and the ranges, sorted, tile the data section exactly with no gap or overlap.
 */
record SafetensorsHeader(Map<String, String> metadata, List<Entry> entries) {

    /** Largest header the reference implementation accepts. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor: its info and its byte range relative to the start of the data section. */
    record Entry(TensorInfo info, long begin, long end) {
        long length() {
            return end - begin;
        }
    }

    /**
     * Parses {@code json} and checks it against a data section of {@code dataLength} bytes.
     *
     * @param source names the file in error messages
     * @throws IllegalArgumentException naming the file, the tensor and what was expected
     */
    static SafetensorsHeader parse(String source, byte[] json, long dataLength) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "safetensors header of " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("safetensors header of " + source + " cannot be read: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(
                    "safetensors header of " + source + " is " + (root == null ? "empty" : root.getNodeType())
                            + ", expected a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(source, field.getValue(), metadata);
            } else {
                entries.add(readEntry(source, field.getKey(), field.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkTiling(source, entries, dataLength);
        return new SafetensorsHeader(Collections.unmodifiableMap(metadata), List.copyOf(entries));
    }

    private static void readMetadata(String source, JsonNode node, Map<String, String> metadata) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    "__metadata__ of " + source + " is " + node.getNodeType() + ", expected an object of strings");
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new IllegalArgumentException("__metadata__ entry " + field.getKey() + " of " + source
                        + " is " + field.getValue() + ", expected a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static Entry readEntry(String source, String name, JsonNode node) {
        String where = "tensor " + name + " in " + source;
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " is " + node.getNodeType()
                    + ", expected an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new IllegalArgumentException(where + " has dtype " + dtypeNode + ", expected a string such as \"F32\"");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        long[] shape = readLongs(where, "shape", node.get("shape"), -1);
        long[] offsets = readLongs(where, "data_offsets", node.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw new IllegalArgumentException(
                    where + " has data_offsets " + Arrays.toString(offsets) + ", expected begin <= end");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape);
        long expectedBytes;
        try {
            expectedBytes = info.byteSize();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(where + " has shape " + Arrays.toString(shape) + " whose size overflows", e);
        }
        if (offsets[1] - offsets[0] != expectedBytes) {
            throw new IllegalArgumentException(where + " has data_offsets " + Arrays.toString(offsets) + " ("
                    + (offsets[1] - offsets[0]) + " bytes), expected " + expectedBytes + " bytes for " + dtype
                    + Arrays.toString(shape));
        }
        return new Entry(info, offsets[0], offsets[1]);
    }

    private static long[] readLongs(String where, String key, JsonNode node, int expectedLength) {
        String expected = expectedLength < 0 ? "an array of non-negative integers"
                : "an array of " + expectedLength + " non-negative integers";
        if (node == null || !node.isArray() || (expectedLength >= 0 && node.size() != expectedLength)) {
            throw new IllegalArgumentException(where + " has " + key + " " + node + ", expected " + expected);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.canConvertToLong() || !element.isIntegralNumber() || element.longValue() < 0) {
                throw new IllegalArgumentException(where + " has " + key + " " + node + ", expected " + expected);
            }
            values[i] = element.longValue();
        }
        return values;
    }

    private static void checkTiling(String source, List<Entry> sorted, long dataLength) {
        long expectedBegin = 0;
        for (Entry entry : sorted) {
            if (entry.begin() != expectedBegin) {
                throw new IllegalArgumentException("tensor " + entry.info().name() + " in " + source
                        + " starts at data offset " + entry.begin() + ", expected " + expectedBegin
                        + (entry.begin() < expectedBegin ? " (it overlaps the previous tensor)" : " (a gap precedes it)"));
            }
            expectedBegin = entry.end();
        }
        if (expectedBegin != dataLength) {
            throw new IllegalArgumentException("tensors in " + source + " cover " + expectedBegin
                    + " bytes of data, but the file holds " + dataLength + " data bytes after the header"
                    + (expectedBegin > dataLength ? "; the file is truncated" : "; trailing bytes are not allowed"));
        }
    }
}
