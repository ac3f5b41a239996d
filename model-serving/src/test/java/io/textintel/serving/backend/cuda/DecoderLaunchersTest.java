package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import io.textintel.serving.backend.cuda.PagedAttentionLauncher.DecodeWorkspace;
import io.textintel.serving.backend.cuda.SamplingLauncher.SequenceParams;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * The decoder's launchers without a GPU: arguments match the kernels' PTX signatures (checked by
 * {@link RecordingLauncher}), grids, blocks and shared memory are as the kernels' comments
 * document, and shape errors name the tensor, its shape and the expected shape.
 */
class DecoderLaunchersTest {

    private static DeviceTensor tensor(Type type, int... shape) {
        return new DeviceTensor(new CUdeviceptr(), type, shape);
    }

    private static DeviceTensor f32(int... shape) {
        return tensor(Type.F32, shape);
    }

    private static DeviceTensor i32(int... shape) {
        return tensor(Type.I32, shape);
    }

    @Test
    void rotaryRunsOneBlockPerTokenWithDoubleFrequenciesAndAttentionFactor() {
        RecordingLauncher kernels = new RecordingLauncher(RotaryLauncher.FAMILY);
        RotaryLauncher rotary = new RotaryLauncher(kernels);
        rotary.rotate(f32(300, 14 * 64), f32(300, 2 * 64), i32(300), i32(300), tensor(Type.F64, 3, 32), 14, 2,
                1.25);
        RecordingLauncher.Launch launch = kernels.only();
        assertThat(launch.grid()).isEqualTo(Dim3.of(300));
        assertThat(launch.block()).isEqualTo(Dim3.of(128));
        assertThat(launch.sharedBytes()).isZero(); // the cos / sin tables are static
        assertThat(launch.args().subList(5, 10)).containsExactly(300, 14, 2, 64, 1.25);

        rotary.rotate(f32(0, 64), f32(0, 64), i32(0), i32(0), tensor(Type.F64, 1, 32), 1, 1, 1.0);
        assertThat(kernels.launches).as("no launch for no tokens").hasSize(1);

        assertThatThrownBy(() -> rotary.rotate(f32(300, 14 * 64), f32(300, 2 * 64), i32(300), i32(300),
                f32(3, 32), 14, 2, 1.0))
                .hasMessage("tensor inverseFrequencies has shape [3, 32] F32, expected [3, 32] F64");
        assertThatThrownBy(() -> rotary.rotate(f32(300, 14 * 64), f32(300, 64), i32(300), i32(300),
                tensor(Type.F64, 3, 32), 14, 2, 1.0))
                .hasMessage("tensor k has shape [300, 64] F32, expected [300, 128] F32");
        assertThatThrownBy(() -> rotary.rotate(f32(300, 14 * 64), f32(300, 128), i32(299), i32(300),
                tensor(Type.F64, 3, 32), 14, 2, 1.0))
                .hasMessage("tensor positions has shape [299] I32, expected [300] I32");
        assertThatThrownBy(() -> rotary.rotate(f32(2, 2 * 1024), f32(2, 1024), i32(2), i32(2),
                tensor(Type.F64, 1, 512), 2, 1, 1.0))
                .hasMessage("tensor inverseFrequencies has 512 columns (head dimension 1024), expected 1 to 256");
        assertThatThrownBy(() -> rotary.rotate(f32(2, 64), f32(2, 64), i32(2), i32(2), tensor(Type.F64, 1, 32), 1, 1,
                0.0))
                .hasMessage("rotary attention factor is 0.0, expected a finite value > 0");
    }

    @Test
    void kvWriteChoosesTheKernelByCacheTypeAndChecksTheLayers() {
        RecordingLauncher kernels = new RecordingLauncher(PagedAttentionLauncher.FAMILY);
        PagedAttentionLauncher attention = new PagedAttentionLauncher(kernels);
        attention.writeKv(f32(17, 2 * 64), f32(17, 2 * 64), i32(17), tensor(Type.BF16, 10, 16, 2, 64),
                tensor(Type.BF16, 10, 16, 2, 64));
        attention.writeKv(f32(17, 2 * 64), f32(17, 2 * 64), i32(17), f32(10, 16, 2, 64), f32(10, 16, 2, 64));
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("kv_cache_write_bf16", "kv_cache_write_f32");
        assertThat(kernels.launches.get(0).grid()).isEqualTo(Dim3.of(17));
        assertThat(kernels.launches.get(0).args().subList(5, 7)).containsExactly(17, 128);

        assertThatThrownBy(() -> attention.writeKv(f32(17, 128), f32(17, 128), i32(17), f32(10, 16, 2, 64),
                tensor(Type.BF16, 10, 16, 2, 64)))
                .hasMessage("tensor vCache has shape [10, 16, 2, 64] BF16, expected [10, 16, 2, 64] F32 as kCache");
        assertThatThrownBy(() -> attention.writeKv(f32(17, 128), f32(17, 128), i32(17), f32(160, 2, 64),
                f32(160, 2, 64)))
                .hasMessage("tensor kCache has shape [160, 2, 64] F32, expected [numBlocks, blockSize, kvHeads, headDim]"
                        + " BF16 or F32");
        assertThatThrownBy(() -> attention.writeKv(f32(17, 128), f32(17, 64), i32(17), f32(10, 16, 2, 64),
                f32(10, 16, 2, 64)))
                .hasMessage("tensor v has shape [17, 64] F32, expected [17, 128] F32");
        assertThatThrownBy(() -> attention.writeKv(f32(1, 2 * 260), f32(1, 2 * 260), i32(1), f32(1, 16, 2, 260),
                f32(1, 16, 2, 260)))
                .hasMessageStartingWith("tensor kCache has shape [1, 16, 2, 260], expected blockSize and kvHeads >= 1"
                        + " and a head dimension that is a multiple of 8 from 8 to 256");
    }

    @Test
    void prefillCoversEveryQueryRowOfTheLongestChunkAndOptsInAbove48KiB() {
        RecordingLauncher kernels = new RecordingLauncher(PagedAttentionLauncher.FAMILY);
        PagedAttentionLauncher attention = new PagedAttentionLauncher(kernels);
        // 4 chunks (1, 17, 100, 300 tokens), 28 heads over 4 KV heads (group 7), head dimension 128
        DeviceTensor cache = tensor(Type.BF16, 100, 16, 4, 128);
        attention.prefill(f32(418, 28 * 128), cache, cache, i32(4, 25), i32(5), i32(4), 300, 28,
                f32(418, 28 * 128));
        RecordingLauncher.Launch launch = kernels.only();
        assertThat(launch.kernel()).isEqualTo("paged_attention_prefill_bf16");
        assertThat(launch.grid()).isEqualTo(new Dim3((300 * 7 + 15) / 16, 4, 4));
        assertThat(launch.block()).isEqualTo(Dim3.of(128));
        assertThat(launch.sharedBytes()).isEqualTo(41_088); // the kernel's comment: 41,088 B at head dimension 128
        assertThat(launch.args().subList(7, 13)).containsExactly(28, 4, 128, 16, 25, (float) (1 / Math.sqrt(128)));
        assertThat(kernels.sharedOptIns).isEmpty();

        assertThat(PagedAttentionLauncher.prefillSharedBytes(152)).isLessThanOrEqualTo(48 * 1024);
        assertThat(PagedAttentionLauncher.prefillSharedBytes(160)).isGreaterThan(48 * 1024);
        DeviceTensor wide = f32(8, 1, 2, 256);
        attention.prefill(f32(3, 4 * 256), wide, wide, i32(1, 8), i32(2), i32(1), 3, 4, f32(3, 4 * 256));
        attention.prefill(f32(3, 4 * 256), wide, wide, i32(1, 8), i32(2), i32(1), 3, 4, f32(3, 4 * 256));
        int shared = (16 * 256 + 32 * 257 + 32 * 256) * 4;
        assertThat(kernels.sharedOptIns).containsExactly(java.util.Map.entry("paged_attention_prefill_f32", shared));
        assertThat(kernels.launches.get(1).sharedBytes()).isEqualTo(shared);
        assertThat(kernels.launches.get(1).grid()).isEqualTo(new Dim3(1, 2, 1));

        assertThatThrownBy(() -> attention.prefill(f32(418, 28 * 128), cache, cache, i32(4, 25), i32(4), i32(4), 300,
                28, f32(418, 28 * 128)))
                .hasMessage("tensor chunkTokenStart has shape [4] I32, expected [5] I32");
        assertThatThrownBy(() -> attention.prefill(f32(418, 28 * 128), cache, cache, i32(4, 25), i32(5), i32(4), 300,
                30, f32(418, 28 * 128)))
                .hasMessage("attention heads 30 are not a multiple of the cache's 4 key/value heads, expected a"
                        + " multiple >= 1");
        assertThatThrownBy(() -> attention.prefill(f32(418, 28 * 128), cache, cache, i32(3, 25), i32(5), i32(4), 300,
                28, f32(418, 28 * 128)))
                .hasMessage("tensor blockTables has shape [3, 25] I32, expected [4, 25] I32");
        assertThatThrownBy(() -> attention.prefill(f32(418, 28 * 128), cache, cache, i32(4, 25), i32(5), i32(4), 419,
                28, f32(418, 28 * 128)))
                .hasMessage("longest chunk of 419 tokens, expected 0 to 418");
        assertThatThrownBy(() -> attention.prefill(f32(418, 28 * 128), cache, cache, i32(4, 25), i32(5), i32(4), 300,
                28, f32(418, 27 * 128)))
                .hasMessage("tensor out has shape [418, 3456] F32, expected [418, 3584] F32");
    }

    @Test
    void decodeOfOnePartitionSkipsTheReduceAndLongContextsSplit() {
        RecordingLauncher kernels = new RecordingLauncher(PagedAttentionLauncher.FAMILY);
        PagedAttentionLauncher attention = new PagedAttentionLauncher(kernels);
        DeviceTensor cache = f32(4000, 16, 2, 128);
        // 5 sequences, 32 heads over 2 KV heads: groups of 16 take two slices of 8 heads
        attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 512, 32, null, f32(5, 32 * 128));
        RecordingLauncher.Launch single = kernels.only();
        assertThat(single.kernel()).isEqualTo("paged_attention_decode_f32");
        assertThat(single.grid()).isEqualTo(new Dim3(1, 4, 5));
        assertThat(single.sharedBytes()).isEqualTo((8 * 128 + 4 * 8 * 2 + 4 * 8 * 128) * 4);
        assertThat(single.sharedBytes()).isEqualTo(20_736); // the kernel's comment at head dimension 128
        assertThat(single.args().subList(4, 7)).containsOnly(RecordingLauncher.NULL_POINTER);
        assertThat(single.args().subList(9, 17))
                .containsExactly(32, 2, 128, 16, 1100, 512, 1, (float) (1 / Math.sqrt(128)));

        kernels.launches.clear();
        assertThat(PagedAttentionLauncher.partitions(16384, 512)).isEqualTo(32);
        assertThat(PagedAttentionLauncher.partitions(513, 512)).isEqualTo(2);
        DecodeWorkspace workspace = new DecodeWorkspace(f32(5, 32, 32, 128), f32(5, 32, 32), f32(5, 32, 32));
        attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 16384, 32, workspace,
                f32(5, 32 * 128));
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("paged_attention_decode_f32", "paged_attention_decode_reduce");
        assertThat(kernels.launches.get(0).grid()).isEqualTo(new Dim3(32, 4, 5));
        assertThat(kernels.launches.get(0).args().get(15)).isEqualTo(32);
        RecordingLauncher.Launch reduce = kernels.launches.get(1);
        assertThat(reduce.grid()).isEqualTo(new Dim3(32, 5, 1));
        assertThat(reduce.block()).isEqualTo(Dim3.of(128));
        assertThat(reduce.sharedBytes()).isEqualTo(32 * 4);
        assertThat(reduce.args().subList(5, 9)).containsExactly(32, 128, 512, 32);

        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 16384, 32,
                null, f32(5, 32 * 128)))
                .hasMessage("decode workspace is null, expected one of shape [5, 32, 32, 128] for 32 partitions of 512"
                        + " keys");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 16384, 32,
                new DecodeWorkspace(f32(5, 32, 31, 128), f32(5, 32, 32), f32(5, 32, 32)), f32(5, 32 * 128)))
                .hasMessage("tensor partialOut has shape [5, 32, 31, 128] F32, expected [5, 32, 32, 128] F32");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 16384, 32,
                new DecodeWorkspace(f32(5, 32, 32, 128), f32(5, 32, 31), f32(5, 32, 32)), f32(5, 32 * 128)))
                .hasMessage("tensor partialMax has shape [5, 32, 31] F32, expected [160, 32] F32");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(5), 512, 100, 32,
                null, f32(5, 32 * 128)))
                .hasMessage("decode partition size 100, expected a positive multiple of 32");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 10), i32(5), 161, 32, null,
                f32(5, 32 * 128)))
                .hasMessage("longest context of 161 keys, expected at most 160 (block tables of 10 blocks of 16)");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 10), i32(5), 0, 32, null,
                f32(5, 32 * 128)))
                .hasMessage("longest context of 0 keys, expected >= 1");
        assertThatThrownBy(() -> attention.decode(f32(5, 32 * 128), cache, cache, i32(5, 1100), i32(4), 512, 32,
                null, f32(5, 32 * 128)))
                .hasMessage("tensor contextLens has shape [4] I32, expected [5] I32");
    }

    private static SequenceParams params(int seqs) {
        return new SequenceParams(f32(seqs), i32(seqs), f32(seqs), tensor(Type.I64, seqs), tensor(Type.I64, seqs));
    }

    @Test
    void samplingKernelsRunOneBlockPerRowAndCheckTheirArguments() {
        RecordingLauncher kernels = new RecordingLauncher(SamplingLauncher.FAMILY);
        SamplingLauncher sampling = new SamplingLauncher(kernels);
        DeviceTensor logits = f32(6, 151_936);
        sampling.suppress(logits, i32(6), i32(3), i32(40));
        sampling.argmax(logits, i32(6));
        sampling.sample(logits, null, params(6), null, i32(6));
        sampling.sample(logits, i32(6), params(2), f32(6, 151_936), null);
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::kernel)
                .containsExactly("suppress_tokens", "argmax_rows", "sampling_rows", "sampling_rows");
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::grid).containsOnly(Dim3.of(6));
        assertThat(kernels.launches).extracting(RecordingLauncher.Launch::block)
                .containsExactly(Dim3.of(128), Dim3.of(1024), Dim3.of(1024), Dim3.of(1024));
        assertThat(kernels.launches.get(0).args().subList(1, 3)).containsExactly(6, 151_936);
        assertThat(kernels.launches.get(2).args().get(3)).isSameAs(RecordingLauncher.NULL_POINTER);
        assertThat(kernels.launches.get(2).args().get(9)).isSameAs(RecordingLauncher.NULL_POINTER);
        assertThat(kernels.launches.get(3).args().get(10)).isSameAs(RecordingLauncher.NULL_POINTER);

        assertThatThrownBy(() -> sampling.argmax(logits, i32(5)))
                .hasMessage("tensor tokens has shape [5] I32, expected [6] I32");
        assertThatThrownBy(() -> sampling.argmax(f32(6, 0), i32(6)))
                .hasMessage("tensor logits has 0 columns, expected a vocabulary >= 1");
        assertThatThrownBy(() -> sampling.suppress(logits, i32(6), i32(0), i32(40)))
                .hasMessage("tensor listOffsets is empty, expected [lists + 1] I32");
        assertThatThrownBy(() -> sampling.sample(logits, null, params(2), null, i32(6)))
                .hasMessage("rowSequence is null and the parameters are of 2 sequences, expected one per row (6)");
        assertThatThrownBy(() -> sampling.sample(logits, null, params(6), null, null))
                .hasMessage("probs and tokens are both null, expected at least one output");
        assertThatThrownBy(() -> sampling.sample(logits, null, params(6), f32(6, 1000), null))
                .hasMessage("tensor probs has shape [6, 1000] F32, expected [6, 151936] F32");
        assertThatThrownBy(() -> new SequenceParams(f32(3), i32(3), f32(3), i32(3), tensor(Type.I64, 3)))
                .hasMessage("tensor seeds has shape [3] I32, expected [3] I64");
    }

    @Test
    void verifyRunsOneBlockPerSequenceAndInvalidSequencesAreNamed() {
        RecordingLauncher kernels = new RecordingLauncher(SamplingLauncher.FAMILY);
        SamplingLauncher sampling = new SamplingLauncher(kernels);
        // 3 sequences, drafts of 4, 0 and 2 tokens; target rows 5, 1, 3
        sampling.verify(i32(4), i32(4), i32(6), i32(9), f32(9, 1000), f32(6, 900), 1000, params(3), i32(3), i32(3));
        sampling.verify(i32(4), i32(4), i32(0), i32(3), null, null, 1000, params(3), i32(3), i32(3));
        RecordingLauncher.Launch launch = kernels.launches.get(0);
        assertThat(launch.kernel()).isEqualTo("speculative_verify");
        assertThat(launch.grid()).isEqualTo(Dim3.of(3));
        assertThat(launch.block()).isEqualTo(Dim3.of(1024));
        assertThat(launch.args().subList(6, 8)).containsExactly(1000, 900);
        assertThat(kernels.launches.get(1).args().subList(4, 8))
                .containsExactly(RecordingLauncher.NULL_POINTER, RecordingLauncher.NULL_POINTER, 1000, 0);

        assertThatThrownBy(() -> sampling.verify(i32(3), i32(4), i32(6), i32(9), null, null, 1000, params(3), i32(3),
                i32(3)))
                .hasMessage("tensor targetRowStart has shape [3] I32, expected [4] I32");
        assertThatThrownBy(() -> sampling.verify(i32(4), i32(4), i32(6), i32(9), f32(8, 1000), null, 1000, params(3),
                i32(3), i32(3)))
                .hasMessage("tensor targetProbs has shape [8, 1000] F32, expected [9, 1000] F32");
        assertThatThrownBy(() -> sampling.verify(i32(4), i32(4), i32(6), i32(9), null, f32(5, 900), 1000, params(3),
                i32(3), i32(3)))
                .hasMessage("tensor draftProbs has shape [5, 900] F32, expected [6, 900] F32");

        SamplingLauncher.requireVerified(new int[] {0, 4, 2});
        assertThatThrownBy(() -> SamplingLauncher.requireVerified(new int[] {0, 3, -1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("speculative verification of sequence 2 found invalid input");
    }
}
