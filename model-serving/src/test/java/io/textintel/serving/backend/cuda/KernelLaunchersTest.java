package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import io.textintel.serving.config.PoolingMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * The launchers without a GPU: shapes are checked with messages naming tensor, shape and
 * expectation; grids cover the work; arguments match the kernels' PTX signatures.
 */
class KernelLaunchersTest {

    private static DeviceTensor f32(int... shape) {
        return new DeviceTensor(new CUdeviceptr(), Type.F32, shape);
    }

    private static DeviceTensor bf16(int... shape) {
        return new DeviceTensor(new CUdeviceptr(), Type.BF16, shape);
    }

    private static DeviceTensor i32(int... shape) {
        return new DeviceTensor(new CUdeviceptr(), Type.I32, shape);
    }

    @Test
    void gemmTilesTheOutputInSixtyFoursAndChecksShapes() {
        RecordingLauncher kernels = new RecordingLauncher(GemmLauncher.FAMILY);
        GemmLauncher gemm = new GemmLauncher(kernels);
        gemm.linear(f32(130, 384), bf16(1000, 384), f32(1000), ActivationCode.of(Activation.GELU), f32(130, 1000));
        RecordingLauncher.Launch launch = kernels.only();
        assertThat(launch.kernel()).isEqualTo("gemm_bf16_bias_act");
        assertThat(launch.grid()).isEqualTo(new Dim3(16, 3, 1));
        assertThat(launch.block()).isEqualTo(Dim3.of(128));
        assertThat(launch.args().subList(4, 8)).containsExactly(130, 1000, 384, 1);

        assertThatThrownBy(() -> gemm.linear(f32(4, 8), bf16(6, 9), null, 0, f32(4, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor w has shape [6, 9] BF16, expected [6, 8] BF16");
        assertThatThrownBy(() -> gemm.linear(f32(4, 8), f32(6, 8), null, 0, f32(4, 6)))
                .hasMessage("tensor w has shape [6, 8] F32, expected [6, 8] BF16");
        assertThatThrownBy(() -> gemm.linear(f32(4, 8), bf16(6, 8), f32(5), 0, f32(4, 6)))
                .hasMessage("tensor bias has shape [5] F32, expected [6] F32");
        assertThatThrownBy(() -> gemm.linear(f32(4, 8), bf16(6, 8), null, 0, f32(3, 6)))
                .hasMessage("tensor c has shape [3, 6] F32, expected [4, 6] F32");

        gemm.toBf16(f32(10, 1000), bf16(10, 1000));
        gemm.biasActivation(f32(10, 1000), null, 0);
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("gemm_bf16_bias_act", "f32_to_bf16", "bias_activation_rows");
        assertThat(kernels.launches.get(1).grid()).isEqualTo(Dim3.of(40)); // 10,000 elements in blocks of 256
    }

    @Test
    void normsRunOneBlockPerRowWithTheRowInSharedMemory() {
        RecordingLauncher kernels = new RecordingLauncher(NormLauncher.FAMILY);
        NormLauncher norm = new NormLauncher(kernels);
        norm.layerNorm(f32(7, 768), f32(7, 768), f32(768), f32(768), 1e-12f, f32(7, 768));
        norm.rmsNorm(f32(7, 768), null, f32(768), 1e-6f, f32(7, 768), null);
        assertThat(kernels.launches.get(0).grid()).isEqualTo(Dim3.of(7));
        assertThat(kernels.launches.get(0).sharedBytes()).isEqualTo(768 * 4);
        assertThat(kernels.launches.get(1).args().get(1)).isSameAs(RecordingLauncher.NULL_POINTER);

        assertThatThrownBy(() -> norm.layerNorm(f32(7, 768), null, f32(767), f32(768), 1e-12f, f32(7, 768)))
                .hasMessage("tensor gamma has shape [767] F32, expected [768] F32");
        assertThatThrownBy(() -> norm.layerNorm(f32(2, 20000), null, f32(20000), f32(20000), 1e-12f, f32(2, 20000)))
                .hasMessageStartingWith("tensor x has 20000 columns, expected 1 to 12288");
        assertThatThrownBy(() -> norm.rmsNorm(f32(2, 8), null, f32(8), 0f, f32(2, 8), null))
                .hasMessage("norm epsilon is 0.0, expected > 0");
        assertThatThrownBy(() -> norm.rmsNorm(f32(2, 8), null, f32(8), 1e-6f, f32(2, 8), f32(3, 8)))
                .hasMessage("tensor residualOut has shape [3, 8] F32, expected [2, 8] F32");
    }

    @Test
    void activationsAndSoftmaxCheckTheirArguments() {
        RecordingLauncher kernels = new RecordingLauncher(ActivationLauncher.FAMILY);
        ActivationLauncher activations = new ActivationLauncher(kernels);
        activations.activate(f32(3, 5), ActivationCode.SILU);
        activations.swiglu(f32(3, 5), f32(3, 5), f32(3, 5));
        assertThat(kernels.launches.get(0).args()).element(1).isEqualTo(15L);
        assertThatThrownBy(() -> activations.activate(f32(3, 5), 7))
                .hasMessage("activation code 7, expected 0 to 6");
        assertThatThrownBy(() -> activations.swiglu(f32(3, 5), f32(5, 3), f32(3, 5)))
                .hasMessage("tensor up has shape [5, 3], expected [3, 5] as gate");

        RecordingLauncher softmaxKernels = new RecordingLauncher(SoftmaxLauncher.FAMILY);
        new SoftmaxLauncher(softmaxKernels).softmax(f32(4, 50_000));
        assertThat(softmaxKernels.only().grid()).isEqualTo(Dim3.of(4));
        assertThatThrownBy(() -> new SoftmaxLauncher(softmaxKernels).softmax(i32(4, 5)))
                .hasMessage("tensor x has shape [4, 5] I32, expected [4, 5] F32");
    }

    @Test
    void gatherRunsOneBlockPerId() {
        RecordingLauncher kernels = new RecordingLauncher(EmbeddingLauncher.FAMILY);
        EmbeddingLauncher embedding = new EmbeddingLauncher(kernels);
        embedding.gather(f32(30522, 768), i32(9), true, f32(9, 768));
        assertThat(kernels.only().grid()).isEqualTo(Dim3.of(9));
        assertThat(kernels.only().args().subList(3, 5)).containsExactly(768, 1);
        assertThatThrownBy(() -> embedding.gather(f32(100, 8), f32(9), false, f32(9, 8)))
                .hasMessage("tensor ids has shape [9] F32, expected [9] I32");
        assertThatThrownBy(() -> embedding.gather(f32(100, 8), i32(9), false, f32(9, 7)))
                .hasMessage("tensor out has shape [9, 7] F32, expected [9, 8] F32");
    }

    @Test
    void attentionCoversEveryQueryOfEveryHeadAndSequenceAndZeroesTheOutputFirst() {
        RecordingLauncher kernels = new RecordingLauncher(EncoderAttentionLauncher.FAMILY);
        EncoderAttentionLauncher attention = new EncoderAttentionLauncher(kernels);
        DeviceTensor out = f32(60, 384);
        attention.attention(f32(60, 3 * 384), i32(3), i32(3), 33, 6, out);
        assertThat(kernels.zeroed).containsExactly(out);
        RecordingLauncher.Launch launch = kernels.only();
        assertThat(launch.grid()).isEqualTo(new Dim3(3, 6, 3)); // ceil(33 / 16) query blocks
        assertThat(launch.args().subList(4, 7)).containsExactly(384, 64, (float) (1 / Math.sqrt(64)));

        assertThatThrownBy(() -> attention.attention(f32(60, 3 * 384), i32(3), i32(3), 33, 5, out))
                .hasMessage("attention heads 5 do not divide hidden size 384, expected a divisor");
        assertThatThrownBy(() -> attention.attention(f32(60, 3 * 384), i32(3), i32(3), 33, 2, out))
                .hasMessage("attention head dimension 192 (hidden 384 / 2 heads), expected at most 128");
        assertThatThrownBy(() -> attention.attention(f32(60, 384), i32(3), i32(3), 33, 6, out))
                .hasMessage("tensor qkv has shape [60, 384] F32, expected [60, 1152] F32");
        assertThatThrownBy(() -> attention.attention(f32(60, 3 * 384), i32(3), i32(2), 33, 6, out))
                .hasMessage("tensor lengths has shape [2] I32, expected [3] I32");
        assertThatThrownBy(() -> attention.attention(f32(60, 3 * 384), i32(3), i32(3), 61, 6, out))
                .hasMessage("longest sequence of 61 rows, expected 0 to 60");
    }

    @Test
    void poolingRunsOneBlockPerSequence() {
        RecordingLauncher kernels = new RecordingLauncher(PoolingLauncher.FAMILY);
        PoolingLauncher pooling = new PoolingLauncher(kernels);
        pooling.pool(f32(60, 384), i32(3), i32(3), PoolingMode.MEAN_SQRT_LEN, true, f32(3, 384));
        assertThat(kernels.only().grid()).isEqualTo(Dim3.of(3));
        assertThat(kernels.only().args().subList(4, 7)).containsExactly(384, 3, 1);
        assertThatThrownBy(() -> pooling.pool(f32(60, 384), i32(3), i32(3), PoolingMode.CLS, false, f32(2, 384)))
                .hasMessage("tensor out has shape [2, 384] F32, expected [3, 384] F32");
    }

    @Test
    void activationAndPoolingCodesMatchTheKernelsDefines() throws IOException {
        String common = Files.readString(Path.of("src/main/cuda/encoder_common.cuh"));
        for (Activation activation : Activation.values()) {
            assertThat(common).contains("#define ACT_" + activation.name() + " " + ActivationCode.of(activation) + "\n");
        }
        assertThat(common).contains("#define ACT_SILU " + ActivationCode.SILU + "\n");
        String pooling = Files.readString(Path.of("src/main/cuda/pooling.cu"));
        for (PoolingMode mode : PoolingMode.values()) {
            assertThat(pooling).contains("#define POOL_" + mode.name() + " " + PoolingLauncher.code(mode) + "\n");
        }
    }
}
