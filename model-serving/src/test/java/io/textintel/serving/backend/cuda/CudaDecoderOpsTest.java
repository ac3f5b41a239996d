package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderBatch;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.model.decoder.RotaryEmbedding;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CudaDecoderOps}' launch plans without a GPU, on a {@link FakeDecoderDevice}: which kernels
 * each operation launches, in which order, with argument lists that match the committed PTX
 * ({@link RecordingLauncher}), the grids the kernels' comments document, the copies between host
 * and device by size, the limits they refuse with a message, and that closing frees every byte.
 */
class CudaDecoderOpsTest {

    private final FakeDecoderDevice device = new FakeDecoderDevice();
    private final CudaDecoderOps ops = new CudaDecoderOps(device, new DeviceWeights<>(device::free));

    @AfterEach
    void closeOps() {
        ops.close();
        assertThat(device.closed).isTrue();
        assertThat(device.live).as("device memory left after close").isEmpty();
    }

    private static DecoderBatch plan(PagedKvCache cache, List<SequenceChunk> chunks, int headDim) {
        return DecoderBatch.plan(chunks, cache, 1, 1 << 20, new RotaryEmbedding(headDim, 10_000, null));
    }

    @Test
    void linearUploadsItsWeightOnceAsBf16AndRunsTheTensorCoreKernel() {
        DecoderOps.Linear layer = ops.prepareLinear("q_proj", new float[96 * 64], new float[96], 96, 64);
        assertThat(device.toDevice).as("weight as bf16, bias as f32").containsExactly(2L * 96 * 64, 4L * 96);
        device.toDevice.clear();
        ops.linear(new float[3 * 64], 3, layer, new float[3 * 96]);
        ops.linear(new float[70 * 64], 70, layer, new float[70 * 96]);
        RecordingLauncher gemm = device.recorder(GemmLauncher.FAMILY);
        assertThat(gemm.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("gemm_bf16_bias_act", "gemm_bf16_bias_act");
        assertThat(gemm.launches.get(0).grid()).isEqualTo(new Dim3(2, 1, 1)); // 96 columns, 3 rows in 64-tiles
        assertThat(gemm.launches.get(1).grid()).isEqualTo(new Dim3(2, 2, 1));
        assertThat(gemm.launches.get(0).args().subList(4, 8)).containsExactly(3, 96, 64, 0);
        assertThat(device.toDevice).as("only activations after prepare").containsExactly(4L * 3 * 64, 4L * 70 * 64);
        assertThat(device.toHost).containsExactly(4L * 3 * 96, 4L * 70 * 96);

        assertThatThrownBy(() -> ops.linear(new float[3 * 64], 3, new io.textintel.serving.backend.cpu
                .ScalarDecoderOps().prepareLinear("w", new float[64], null, 1, 64), new float[3]))
                .hasMessageContaining("was not prepared by these CUDA decoder ops");
    }

    @Test
    void normSwigluAndRotaryRunTheirKernelsWithTheirParameters() {
        float[] gamma = new float[896];
        ops.rmsNorm(new float[5 * 896], 5, gamma, 1e-6, new float[5 * 896]);
        ops.rmsNorm(new float[5 * 896], 5, gamma, 1e-6, new float[5 * 896]);
        RecordingLauncher norm = device.recorder(NormLauncher.FAMILY);
        assertThat(norm.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("rms_norm_residual", "rms_norm_residual");
        assertThat(norm.launches.get(0).grid()).isEqualTo(Dim3.of(5));
        assertThat(norm.launches.get(0).args().get(1)).as("no residual").isEqualTo(RecordingLauncher.NULL_POINTER);
        assertThat(norm.launches.get(0).args().subList(5, 7)).containsExactly(896, 1e-6f);
        assertThat(device.toDevice).as("the norm weight once, then x per call")
                .containsExactly(4L * 5 * 896, 4L * 896, 4L * 5 * 896);

        ops.swiglu(new float[10_007], new float[10_007], 10_007, new float[10_007]);
        assertThat(device.recorder(ActivationLauncher.FAMILY).only().args().get(3)).isEqualTo(10_007L);

        try (PagedKvCache cache = new PagedKvCache(new KvLayout(1, 2, 64), 16, 16)) {
            cache.reserve(1, 3);
            cache.reserve(2, 40);
            cache.commit(2, 30);
            DecoderBatch batch = plan(cache, List.of(new SequenceChunk(1, new int[3], 0, 1),
                    new SequenceChunk(2, new int[1], 30, 1)), 64);
            ops.rotary(batch, new float[4 * 8 * 64], 8, new float[4 * 2 * 64], 2, 64, 1.0);
            RecordingLauncher.Launch rotary = device.recorder(RotaryLauncher.FAMILY).only();
            assertThat(rotary.grid()).isEqualTo(Dim3.of(4));
            assertThat(rotary.args().subList(5, 10)).containsExactly(4, 8, 2, 64, 1.0);
        }
    }

    @Test
    void theKvCacheIsMirroredOnceThenWrittenRowByRowAndFreedWithItsCache() {
        KvLayout layout = new KvLayout(2, 2, 64);
        long layerBytes = 16L * 16 * layout.positionStride() * Float.BYTES;
        PagedKvCache cache = new PagedKvCache(layout, 16, 16);
        cache.reserve(1, 20);
        DecoderBatch prompt = plan(cache, List.of(new SequenceChunk(1, new int[20], 0, 1)), 64);
        float[] rows = new float[20 * layout.positionStride()];
        rows[5] = 7f;
        ops.writeKeyValues(prompt, rows, rows, cache, 0);
        assertThat(cache.keys(0)[cache.offset(1, 0) + 5]).as("the host cache is written too").isEqualTo(7f);
        assertThat(device.toDevice).as("the first write mirrors the whole cache, every layer")
                .containsExactly(layerBytes, layerBytes, layerBytes, layerBytes);
        assertThat(ops.kvMirrorBytes()).isEqualTo(4 * layerBytes);
        assertThat(device.order).as("no kernel: the upload holds the rows").isEmpty();

        ops.writeKeyValues(prompt, rows, rows, cache, 1);
        RecordingLauncher.Launch write = device.recorder(PagedAttentionLauncher.FAMILY).only();
        assertThat(write.kernel()).isEqualTo("kv_cache_write_f32");
        assertThat(write.grid()).isEqualTo(Dim3.of(20));
        assertThat(write.args().subList(5, 7)).containsExactly(20, 128);

        cache.close();
        try (PagedKvCache other = new PagedKvCache(layout, 16, 4)) {
            other.reserve(1, 1);
            ops.writeKeyValues(plan(other, List.of(new SequenceChunk(1, new int[1], 0, 1)), 64),
                    new float[128], new float[128], other, 0);
            assertThat(ops.kvMirrorBytes()).as("the closed cache's mirror is freed")
                    .isEqualTo(4 * 4L * 16 * layout.positionStride() * Float.BYTES);
        }
    }

    @Test
    void attentionRunsDecodeWithSplitKForSingleTokensAndPrefillForLongerChunks() {
        KvLayout layout = new KvLayout(1, 2, 64);
        try (PagedKvCache cache = new PagedKvCache(layout, 16, 256)) {
            cache.reserve(1, 1500);
            cache.reserve(2, 200);
            cache.reserve(3, 17);
            cache.reserve(4, 40);
            cache.commit(1, 1499);
            cache.commit(2, 100);
            cache.commit(4, 39);
            DecoderBatch batch = plan(cache, List.of(new SequenceChunk(1, new int[1], 1499, 1),
                    new SequenceChunk(2, new int[100], 100, 1), new SequenceChunk(3, new int[17], 0, 1),
                    new SequenceChunk(4, new int[1], 39, 1)), 64);
            ops.attention(batch, new float[119 * 8 * 64], 8, cache, 0, new float[119 * 8 * 64]);
            assertThat(device.order).containsExactly("paged_attention_decode_f32", "paged_attention_decode_reduce",
                    "paged_attention_prefill_f32");
            List<RecordingLauncher.Launch> launches = device.recorder(PagedAttentionLauncher.FAMILY).launches;
            // decode: 3 partitions of 512 for the longest context, 2 KV heads of 1 slice (group 4), 2 sequences
            assertThat(launches.get(0).grid()).isEqualTo(new Dim3(3, 2, 2));
            assertThat(launches.get(0).args().subList(9, 17)).containsExactly(8, 2, 64, 16, 94, 512, 3,
                    (float) (1 / Math.sqrt(64)));
            assertThat(launches.get(1).grid()).isEqualTo(new Dim3(8, 2, 1));
            // prefill: the longest chunk's 100 tokens x group 4 in rows of 16, 2 KV heads, 2 chunks
            assertThat(launches.get(2).grid()).isEqualTo(new Dim3(25, 2, 2));
            assertThat(launches.get(2).args().subList(7, 12)).containsExactly(8, 2, 64, 16, 13);

            device.order.clear();
            DecoderBatch shortDecode = plan(cache, List.of(new SequenceChunk(4, new int[1], 39, 1)), 64);
            ops.attention(shortDecode, new float[8 * 64], 8, cache, 0, new float[8 * 64]);
            assertThat(device.order).as("one partition: no reduce").containsExactly("paged_attention_decode_f32");
        }
    }

    @Test
    void aWholeForwardPassOfATinyLlamaLaunchesEachLayersKernelsInOrder(@TempDir Path dir) throws IOException {
        Path llama = TinyModelGenerator.writeDecoder(dir.resolve("llama"), TinyDecoderSpec.llama().withMerges(20));
        DecoderModel model = DecoderModel.load(llama, ops); // the model closes the ops after the test
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 4, 16)) {
            cache.reserve(1, 6);
            cache.reserve(2, 1);
            model.forward(List.of(new SequenceChunk(1, new int[] {3, 4, 5, 6, 7}, 0, 1),
                    new SequenceChunk(2, new int[] {9}, 0, 1)), cache);
            List<String> layer = List.of("rms_norm_residual", "gemm_bf16_bias_act", "gemm_bf16_bias_act",
                    "gemm_bf16_bias_act", "rotary_embedding", "paged_attention_decode_f32",
                    "paged_attention_prefill_f32", "gemm_bf16_bias_act", "rms_norm_residual", "gemm_bf16_bias_act",
                    "gemm_bf16_bias_act", "swiglu", "gemm_bf16_bias_act");
            // layer 0: no write kernel, the mirror's first upload holds the rows; layer 1: the kernel writes them
            List<String> expected = new ArrayList<>(layer);
            List<String> second = new ArrayList<>(layer);
            second.add(5, "kv_cache_write_f32");
            expected.addAll(second);
            expected.addAll(List.of("rms_norm_residual", "gemm_bf16_bias_act")); // final norm, LM head
            assertThat(device.order).isEqualTo(expected);
            device.order.clear();
            cache.commit(1, 5);
            cache.commit(2, 1);
            cache.reserve(2, 1);
            model.forward(List.of(new SequenceChunk(2, new int[] {10}, 1, 1)), cache);
            assertThat(device.order).as("a decode pass").filteredOn(k -> k.startsWith("paged_attention")
                    || k.startsWith("kv_cache")).containsExactly("kv_cache_write_f32", "paged_attention_decode_f32",
                    "kv_cache_write_f32", "paged_attention_decode_f32");
        }
        model.close();
    }

    @Test
    void headDimensionsOutsideTheKernelsLimitsAreRefusedByName() {
        for (int headDim : new int[] {12, 4, 264}) {
            try (PagedKvCache cache = new PagedKvCache(new KvLayout(1, 1, headDim), 4, 4)) {
                cache.reserve(1, 1);
                DecoderBatch batch = plan(cache, List.of(new SequenceChunk(1, new int[1], 0, 1)), headDim);
                assertThatThrownBy(() -> ops.attention(batch, new float[headDim], 1, cache, 0, new float[headDim]))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("KV cache layout " + cache.layout() + " has head dimension " + headDim
                                + ", expected a multiple of 8 from 8 to 256 for the CUDA decoder kernels; run this"
                                + " model on backend 'cpu'");
                assertThatThrownBy(() -> ops.writeKeyValues(batch, new float[headDim], new float[headDim], cache, 0))
                        .hasMessageContaining("has head dimension " + headDim);
            }
        }
        assertThat(device.live).as("nothing allocated for a refused layout").isEmpty();
        try (PagedKvCache cache = new PagedKvCache(new KvLayout(1, 3, 16), 4, 4)) {
            cache.reserve(1, 1);
            DecoderBatch batch = plan(cache, List.of(new SequenceChunk(1, new int[1], 0, 1)), 16);
            assertThatThrownBy(() -> ops.attention(batch, new float[4 * 16], 4, cache, 0, new float[4 * 16]))
                    .hasMessage("attention heads 4 are not a multiple of the cache's 3 key/value heads, expected a"
                            + " multiple >= 1");
        }
    }

    @Test
    void callsAfterCloseAreRefused() {
        ops.close();
        assertThatThrownBy(() -> ops.swiglu(new float[1], new float[1], 1, new float[1]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("CUDA decoder ops are closed, expected calls before close()");
    }

    @Test
    void openingWithoutADeviceFailsAsUnavailableNamingWhy() {
        CudaAvailability here = CudaAvailability.probe();
        assumeFalse(here.available(), "this machine has a CUDA device; the refusal needs one without");
        assertThatThrownBy(() -> CudaDecoderOps.open(0, DeviceWeights.jvm()))
                .isInstanceOfSatisfying(CudaException.class,
                        e -> assertThat(e.kind()).isEqualTo(CudaException.Kind.UNAVAILABLE))
                .hasMessageContaining(here.reason());
    }

}
