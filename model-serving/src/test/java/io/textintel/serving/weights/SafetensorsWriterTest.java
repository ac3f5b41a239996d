package io.textintel.serving.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesTheFormatByteForByte() throws IOException {
        Path file = new SafetensorsWriter()
                .metadata("source", "test")
                .add("b", DType.BF16, new long[] {2}, new float[] {1f, -2f})
                .add("a", DType.F32, new long[] {1}, new float[] {0.5f})
                .write(dir.resolve("m.safetensors"));
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong(0);
        assertThat(headerLength % 8).as("header padded to 8 bytes").isZero();
        byte[] header = Arrays.copyOfRange(bytes.array(), 8, 8 + (int) headerLength);
        JsonNode json = new ObjectMapper().readTree(header);
        assertThat(json.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(json.get("__metadata__").get("source").asText()).isEqualTo("test");
        assertThat(json.get("a").get("data_offsets").toString()).isEqualTo("[0,4]"); // name order
        assertThat(json.get("b").get("data_offsets").toString()).isEqualTo("[4,8]");
        assertThat(json.get("b").get("dtype").asText()).isEqualTo("BF16");
        int data = 8 + (int) headerLength;
        assertThat(bytes.getFloat(data)).isEqualTo(0.5f);
        assertThat(bytes.getShort(data + 4)).isEqualTo((short) 0x3F80);
        assertThat(bytes.getShort(data + 6)).isEqualTo((short) 0xC000);
        assertThat(bytes.capacity()).isEqualTo(data + 8);
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void validatesTensors() {
        SafetensorsWriter writer = new SafetensorsWriter().add("w", DType.F32, new long[] {2}, new float[2]);
        assertThatThrownBy(() -> writer.add("w", DType.F32, new long[] {2}, new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already added");
        assertThatThrownBy(() -> writer.add("v", DType.F32, new long[] {2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("5 values");
        assertThatThrownBy(() -> writer.add("i", DType.I64, new long[] {1}, new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I64");
        assertThatThrownBy(() -> writer.add("__metadata__", DType.F32, new long[] {1}, new float[1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.add("n", DType.F32, new long[] {-1}, new float[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-negative");
    }
}
