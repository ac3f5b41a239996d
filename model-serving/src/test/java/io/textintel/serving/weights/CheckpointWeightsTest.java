package io.textintel.serving.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWeightsTest {

    @TempDir
    Path dir;

    @Test
    void opensASingleFile() throws IOException {
        new SafetensorsWriter().add("pooler.dense.bias", DType.F32, new long[] {2}, new float[] {1, 2})
                .write(dir.resolve("model.safetensors"));
        try (CheckpointWeights weights = CheckpointWeights.open(dir)) {
            assertThat(weights.tensorNames()).containsExactly("pooler.dense.bias");
            assertThat(weights.readFloats("pooler.dense.bias")).containsExactly(1, 2);
            assertThat(weights.files()).hasSize(1);
        }
    }

    @Test
    void opensAShardedCheckpoint() throws IOException {
        new SafetensorsWriter()
                .add("embeddings.word_embeddings.weight", DType.F16, new long[] {2, 2}, new float[] {1, 2, 3, 4})
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
                .add("pooler.dense.weight", DType.BF16, new long[] {1, 2}, new float[] {5, 6})
                .add("pooler.dense.bias", DType.F32, new long[] {1}, new float[] {7})
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 16},
                 "weight_map": {
                   "embeddings.word_embeddings.weight": "model-00001-of-00002.safetensors",
                   "pooler.dense.weight": "model-00002-of-00002.safetensors",
                   "pooler.dense.bias": "model-00002-of-00002.safetensors"}}
                """);
        try (CheckpointWeights weights = CheckpointWeights.open(dir)) {
            assertThat(weights.tensorNames()).containsExactlyInAnyOrder(
                    "embeddings.word_embeddings.weight", "pooler.dense.weight", "pooler.dense.bias");
            assertThat(weights.files()).hasSize(2);
            assertThat(weights.info("pooler.dense.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(weights.readFloats("embeddings.word_embeddings.weight")).containsExactly(1, 2, 3, 4);
            assertThat(weights.readFloats("pooler.dense.weight")).containsExactly(5, 6);
            assertThat(weights.raw("pooler.dense.bias").getFloat(0)).isEqualTo(7f);
            assertThatThrownBy(() -> weights.info("classifier.weight"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("classifier.weight");
        }
    }

    @Test
    void rejectsAnIndexPointingAtTheWrongShard() throws IOException {
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[1]).write(dir.resolve("s1.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"b\": \"s1.safetensors\"}}");
        assertThatThrownBy(() -> CheckpointWeights.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor b")
                .hasMessageContaining("s1.safetensors");
    }

    @Test
    void rejectsAnIndexLeavingTheDirectory() throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"b\": \"../x.safetensors\"}}");
        assertThatThrownBy(() -> CheckpointWeights.open(dir)).hasMessageContaining("inside");
    }

    @Test
    void explainsAMissingCheckpoint() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[1]);
        assertThatThrownBy(() -> CheckpointWeights.open(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("pytorch_model.bin");
    }
}
