package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderBatch;
import io.textintel.serving.model.decoder.RotaryEmbedding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The split of a pass into the decode and the prefill launch, and the host arrays each reads. */
class DecoderAttentionPlanTest {

    @Test
    void singleTokensGoToDecodeLongerChunksToPrefillWithPaddedBlockTables() {
        try (PagedKvCache cache = new PagedKvCache(new KvLayout(1, 1, 8), 4, 64)) {
            // interleaved reservations: sequence 1 holds blocks 0, 2, 4, sequence 2 holds 1, 3
            cache.reserve(1, 4);
            cache.reserve(2, 4);
            cache.reserve(1, 8);
            cache.reserve(2, 8);
            cache.reserve(1, 12);
            cache.reserve(3, 2);
            cache.commit(1, 9);
            cache.commit(2, 2);
            DecoderBatch batch = DecoderBatch.plan(List.of(new SequenceChunk(2, new int[5], 2, 1),
                    new SequenceChunk(1, new int[1], 9, 1), new SequenceChunk(3, new int[2], 0, 1)), cache, 1, 64,
                    new RotaryEmbedding(8, 10_000, null));
            DecoderAttentionPlan plan = DecoderAttentionPlan.of(batch);

            DecoderAttentionPlan.Group decode = plan.decode();
            assertThat(decode.tokens()).containsExactly(5);
            assertThat(decode.contextLens()).containsExactly(10);
            assertThat(decode.tableStride()).isEqualTo(3);
            assertThat(decode.blockTables()).containsExactly(0, 2, 4);
            assertThat(decode.maxContextLen()).isEqualTo(10);

            DecoderAttentionPlan.Group prefill = plan.prefill();
            assertThat(prefill.tokens()).containsExactly(0, 1, 2, 3, 4, 6, 7);
            assertThat(prefill.chunkTokenStart()).containsExactly(0, 5, 7);
            assertThat(prefill.chunkStartPosition()).containsExactly(2, 0);
            assertThat(prefill.contextLens()).containsExactly(7, 2);
            assertThat(prefill.tableStride()).isEqualTo(2);
            assertThat(prefill.blockTables()).as("rows padded with block 0").containsExactly(1, 3, 5, 0);
            assertThat(prefill.maxChunkTokens()).isEqualTo(5);
        }
    }

    @Test
    void aChunkWhoseTokensAreNotConsecutivePositionsIsRefused() {
        PagedAttentionBatch gap = new PagedAttentionBatch() {
            @Override
            public int tokenCount() {
                return 2;
            }

            @Override
            public int position(int token) {
                return token * 2;
            }

            @Override
            public int chunkCount() {
                return 1;
            }

            @Override
            public int chunkOfToken(int token) {
                return 0;
            }

            @Override
            public long sequenceOfToken(int token) {
                return 7;
            }

            @Override
            public int[] blockTable(int chunk) {
                return new int[] {0};
            }

            @Override
            public int blockSize() {
                return 4;
            }

            @Override
            public double[] inverseFrequencies(int chunk) {
                return new double[4];
            }
        };
        assertThatThrownBy(() -> DecoderAttentionPlan.of(gap))
                .hasMessage("chunk 0: token 1 is at position 2, expected 1 (a chunk's tokens are consecutive"
                        + " positions in order)");
    }
}
