package io.textintel.serving.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    /** Writes a file byte by byte as the format specifies: u64 LE header length, JSON header, data. */
    static Path writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json).put(data);
        Files.write(file, buffer.array());
        return file;
    }

    private static float[] randomValues(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void readsTheSpecificationExample() throws IOException {
        // The example of the safetensors README: one I32 tensor [2, 2] and a metadata entry.
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(2).putInt(3).putInt(4);
        Path file = writeRaw(dir.resolve("spec.safetensors"),
                "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"__metadata__\":{\"foo\":\"bar\"}}",
                data.array());
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.tensorNames()).containsExactly("test");
            assertThat(st.metadata()).containsEntry("foo", "bar");
            assertThat(st.info("test")).isEqualTo(new TensorInfo("test", DType.I32, new long[] {2, 2}));
            ByteBuffer raw = st.raw("test");
            assertThat(raw.remaining()).isEqualTo(16);
            assertThat(raw.getInt(12)).isEqualTo(4);
            assertThatThrownBy(() -> st.readFloats("test"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("test")
                    .hasMessageContaining("I32");
        }
    }

    @Test
    void readsBf16BitsAsStoredAndRoundsOtherDtypesToThem() throws IOException {
        float[] values = randomValues(50, 4);
        Path file = new SafetensorsWriter()
                .add("bf16", DType.BF16, new long[] {5, 10}, values)
                .add("f32", DType.F32, new long[] {50}, values)
                .write(java.nio.file.Files.createDirectories(dir.resolve("bits-dir")).resolve(CheckpointWeights.SINGLE_FILE));
        try (SafetensorsFile st = SafetensorsFile.open(file);
                CheckpointWeights checkpoint = CheckpointWeights.open(dir.resolve("bits-dir"))) {
            short[] stored = new short[values.length];
            st.raw("bf16").asShortBuffer().get(stored);
            assertThat(st.readBFloat16("bf16")).containsExactly(stored);
            short[] rounded = st.readBFloat16("f32");
            for (int i = 0; i < values.length; i++) {
                assertThat(rounded[i]).as("element %d", i).isEqualTo(BFloat16.fromFloat(values[i]));
            }
            assertThat(stored).isEqualTo(rounded);
            assertThat(checkpoint.readBFloat16("bf16")).containsExactly(stored);
        }
    }

    @Test
    void roundTripsEachWritableDtype() throws IOException {
        float[] values = randomValues(6 * 7, 1);
        values[0] = 65504f;
        values[1] = 1e-7f; // an F16 subnormal
        values[2] = Float.NEGATIVE_INFINITY;
        Path file = new SafetensorsWriter()
                .add("f32", DType.F32, new long[] {6, 7}, values)
                .add("f16", DType.F16, new long[] {6, 7}, values)
                .add("bf16", DType.BF16, new long[] {42}, values)
                .add("scalar", DType.F32, new long[] {}, new float[] {3.5f})
                .add("empty", DType.F16, new long[] {0, 4}, new float[0])
                .write(dir.resolve("all.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.tensorNames()).containsExactly("bf16", "empty", "f16", "f32", "scalar");
            assertThat(st.info("f16")).isEqualTo(new TensorInfo("f16", DType.F16, new long[] {6, 7}));
            assertThat(st.info("bf16").shape()).containsExactly(42);
            assertThat(st.readFloats("f32")).containsExactly(values);
            float[] f16 = st.readFloats("f16");
            float[] bf16 = st.readFloats("bf16");
            for (int i = 0; i < values.length; i++) {
                assertThat(f16[i]).isEqualTo(Float16.toFloat(Float16.fromFloat(values[i])));
                assertThat(bf16[i]).isEqualTo(BFloat16.toFloat(BFloat16.fromFloat(values[i])));
            }
            assertThat(f16[0]).isEqualTo(65504f);
            assertThat(f16[1]).isEqualTo(Float16.toFloat((short) 2)); // 1e-7 rounds to 2 * 2^-24
            assertThat(bf16[2]).isEqualTo(Float.NEGATIVE_INFINITY);
            assertThat(st.readFloats("scalar")).containsExactly(3.5f);
            assertThat(st.readFloats("empty")).isEmpty();
            assertThat(st.raw("f16").remaining()).isEqualTo(84);
            assertThat(st.raw("f16").order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Test
    void readsF64() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-2.5);
        Path file = writeRaw(dir.resolve("f64.safetensors"),
                "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", data.array());
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.readFloats("d")).containsExactly(0.1f, -2.5f);
        }
    }

    @Test
    void mapsInSegmentsAndReadsTensorsLargerThanASegment() throws IOException {
        float[] big = randomValues(100, 2); // 400 bytes, larger than the 64-byte segments below
        float[] small = randomValues(10, 3);
        Path file = new SafetensorsWriter()
                .add("a", DType.F32, new long[] {10}, small)
                .add("b", DType.F16, new long[] {10}, small)
                .add("c", DType.F32, new long[] {100}, big)
                .add("d", DType.BF16, new long[] {10}, small)
                .write(dir.resolve("segments.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file, 64)) {
            assertThat(st.readFloats("a")).containsExactly(small);
            assertThat(st.readFloats("c")).containsExactly(big);
            assertThat(st.readFloats("d")[9]).isEqualTo(BFloat16.toFloat(BFloat16.fromFloat(small[9])));
            assertThat(st.raw("b").remaining()).isEqualTo(20);
            assertThatThrownBy(() -> st.raw("c")).hasMessageContaining("readFloats");
        }
    }

    @Test
    void namesAnAbsentTensorAndRefusesReadsAfterClose() throws IOException {
        Path file = new SafetensorsWriter().add("x", DType.F32, new long[] {1}, new float[] {1}).write(dir.resolve("x.st"));
        SafetensorsFile st = SafetensorsFile.open(file);
        assertThat(st.contains("x")).isTrue();
        assertThatThrownBy(() -> st.info("pooler.dense.weight"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pooler.dense.weight")
                .hasMessageContaining("x.st");
        st.close();
        assertThatThrownBy(() -> st.readFloats("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsAFileShorterThanTheLength() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 bytes");
    }

    @Test
    void rejectsAHeaderLongerThanTheFile() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Path file = Files.write(dir.resolve("truncated.safetensors"), bytes.array());
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header of 1000 bytes")
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsAnAbsurdHeaderLength() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L);
        Path file = Files.write(dir.resolve("garbage.bin"), bytes.array());
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a safetensors file");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        Path file = writeRaw(dir.resolve("json.safetensors"), "{\"a\": [", new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = writeRaw(dir.resolve("cut.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[10]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cover 16 bytes")
                .hasMessageContaining("10 data bytes")
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsOffsetsThatDisagreeWithTheShape() throws IOException {
        Path file = writeRaw(dir.resolve("size.safetensors"),
                "{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[16]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor w")
                .hasMessageContaining("expected 8 bytes");
    }

    @Test
    void rejectsOverlapsGapsAndTrailingBytes() throws IOException {
        Path overlap = writeRaw(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertThatThrownBy(() -> SafetensorsFile.open(overlap)).hasMessageContaining("overlaps");
        Path gap = writeRaw(dir.resolve("gap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.open(gap)).hasMessageContaining("gap");
        Path trailing = writeRaw(dir.resolve("trailing.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.open(trailing)).hasMessageContaining("trailing");
    }

    @Test
    void rejectsUnknownDtypesAndMalformedFields() throws IOException {
        Path dtype = writeRaw(dir.resolve("dtype.safetensors"),
                "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]);
        assertThatThrownBy(() -> SafetensorsFile.open(dtype)).hasMessageContaining("F8_E4M3").hasMessageContaining("tensor a");
        Path shape = writeRaw(dir.resolve("shape.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafetensorsFile.open(shape)).hasMessageContaining("shape");
        Path offsets = writeRaw(dir.resolve("offsets.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", new byte[4]);
        assertThatThrownBy(() -> SafetensorsFile.open(offsets)).hasMessageContaining("data_offsets");
        Path notObject = writeRaw(dir.resolve("array.safetensors"), "[1,2]", new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(notObject)).hasMessageContaining("expected a JSON object");
    }
}
