package io.textintel.serving.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PagedKvCacheTest {

    private static final KvLayout LAYOUT = new KvLayout(2, 3, 4);

    @Test
    void reservesWholeBlocksAndMapsPositionsThroughTheBlockTable() {
        try (PagedKvCache cache = new PagedKvCache(LAYOUT, 4, 8)) {
            assertThat(cache.keys(0)).hasSize(8 * 4 * 3 * 4);
            assertThat(cache.reserve(7, 5)).isTrue();
            assertThat(cache.capacity(7)).isEqualTo(8);
            assertThat(cache.length(7)).isZero();
            assertThat(cache.freeBlocks()).isEqualTo(6);
            assertThat(cache.reserve(9, 1)).isTrue();
            cache.commit(7, 5);
            assertThat(cache.reserve(7, 4)).as("9 positions need a third block").isTrue();
            int[] table = cache.blockTable(7);
            assertThat(table).hasSize(3).doesNotContain(cache.blockTable(9)[0]);
            int stride = LAYOUT.positionStride();
            assertThat(cache.offset(7, 6)).isEqualTo((table[1] * 4 + 2) * stride);
            assertThat(cache.offset(7, 8)).isEqualTo((table[2] * 4) * stride);
            assertThatThrownBy(() -> cache.offset(7, 12)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("position 12").hasMessageContaining("< 12");
        }
    }

    @Test
    void aFailedReserveChangesNothing() {
        try (PagedKvCache cache = new PagedKvCache(LAYOUT, 4, 3)) {
            assertThat(cache.reserve(1, 8)).isTrue();
            assertThat(cache.reserve(2, 5)).as("needs 2 blocks, 1 free").isFalse();
            assertThat(cache.contains(2)).as("a failed first reserve creates no sequence").isFalse();
            assertThat(cache.reserve(1, 13)).as("needs 2 more blocks, 1 free").isFalse();
            assertThat(cache.capacity(1)).isEqualTo(8);
            assertThat(cache.freeBlocks()).isEqualTo(1);
            cache.checkInvariants();
        }
    }

    @Test
    void truncateFreesWholeBlocksPastTheLength() {
        try (PagedKvCache cache = new PagedKvCache(LAYOUT, 4, 8)) {
            cache.reserve(1, 10);
            cache.commit(1, 10);
            cache.truncate(1, 5);
            assertThat(cache.length(1)).isEqualTo(5);
            assertThat(cache.capacity(1)).isEqualTo(8);
            assertThat(cache.freeBlocks()).isEqualTo(6);
            cache.truncate(1, 0);
            assertThat(cache.capacity(1)).isZero();
            assertThat(cache.freeBlocks()).isEqualTo(8);
        }
    }

    @Test
    void rejectsCallsOutsideTheProtocolNamingTheValues() {
        try (PagedKvCache cache = new PagedKvCache(LAYOUT, 4, 8)) {
            cache.reserve(1, 3);
            assertThatThrownBy(() -> cache.commit(1, 5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("commit of length 5").hasMessageContaining("capacity 4");
            cache.commit(1, 3);
            assertThatThrownBy(() -> cache.commit(1, 2)).hasMessageContaining("its length 3");
            assertThatThrownBy(() -> cache.truncate(1, 4)).hasMessageContaining("its length 3");
            assertThatThrownBy(() -> cache.length(2)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("sequence 2");
            assertThatThrownBy(() -> cache.reserve(1, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> cache.keys(2)).hasMessageContaining("layer 2");
            cache.free(1);
            cache.free(1);
            assertThat(cache.freeBlocks()).isEqualTo(8);
        }
        assertThatThrownBy(() -> new PagedKvCache(new KvLayout(1, 1024, 1024), 1024, 4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floats per layer");
    }

    @Test
    void closedCacheRefusesUse() {
        PagedKvCache cache = new PagedKvCache(LAYOUT, 4, 2);
        cache.close();
        assertThatThrownBy(() -> cache.reserve(1, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** Expected state of one sequence in the model the random test checks the cache against. */
    private static final class Expected {
        int length;
        int capacity;
    }

    /**
     * Random operation sequences against a plain model of the expected lengths and capacities;
     * after every operation the cache's invariants hold, block tables are disjoint, and data
     * written at a sequence's positions reads back unchanged (no block is shared or lost).
     */
    @Test
    void randomOperationsMatchASimpleModel() {
        int blockSize = 4;
        int numBlocks = 24;
        for (long seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            Map<Long, Expected> model = new HashMap<>();
            Map<Long, List<Float>> written = new HashMap<>(); // marker per committed position
            try (PagedKvCache cache = new PagedKvCache(LAYOUT, blockSize, numBlocks)) {
                for (int op = 0; op < 400; op++) {
                    long seq = random.nextInt(6);
                    Expected expected = model.get(seq);
                    int heldBlocks = model.values().stream().mapToInt(e -> e.capacity / blockSize).sum();
                    switch (random.nextInt(5)) {
                        case 0, 1 -> {
                            int extra = random.nextInt(11);
                            int length = expected == null ? 0 : expected.length;
                            int have = expected == null ? 0 : expected.capacity / blockSize;
                            int need = Math.max(0, (length + extra + blockSize - 1) / blockSize - have);
                            boolean fits = need <= numBlocks - heldBlocks;
                            assertThat(cache.reserve(seq, extra)).isEqualTo(fits);
                            if (fits) {
                                Expected e = expected == null ? new Expected() : expected;
                                e.capacity = (have + need) * blockSize;
                                model.put(seq, e);
                                written.putIfAbsent(seq, new ArrayList<>());
                            }
                        }
                        case 2 -> {
                            if (expected != null && expected.capacity > expected.length) {
                                int newLength = expected.length + 1 + random.nextInt(expected.capacity - expected.length);
                                List<Float> markers = written.get(seq);
                                for (int position = expected.length; position < newLength; position++) {
                                    float marker = seq * 1000 + position + random.nextFloat() / 2;
                                    cache.keys(1)[cache.offset(seq, position) + 5] = marker;
                                    cache.values(0)[cache.offset(seq, position)] = -marker;
                                    markers.add(marker);
                                }
                                cache.commit(seq, newLength);
                                expected.length = newLength;
                            }
                        }
                        case 3 -> {
                            if (expected != null) {
                                int length = random.nextInt(expected.length + 1);
                                cache.truncate(seq, length);
                                expected.length = length;
                                expected.capacity = (length + blockSize - 1) / blockSize * blockSize;
                                List<Float> markers = written.get(seq);
                                markers.subList(length, markers.size()).clear();
                            }
                        }
                        default -> {
                            cache.free(seq);
                            model.remove(seq);
                            written.remove(seq);
                        }
                    }
                    checkAgainstModel(cache, model, written, numBlocks);
                }
            }
        }
    }

    private static void checkAgainstModel(PagedKvCache cache, Map<Long, Expected> model,
            Map<Long, List<Float>> written, int numBlocks) {
        cache.checkInvariants();
        int held = 0;
        Set<Integer> blocks = new HashSet<>();
        for (Map.Entry<Long, Expected> entry : model.entrySet()) {
            long seq = entry.getKey();
            assertThat(cache.length(seq)).isEqualTo(entry.getValue().length);
            assertThat(cache.capacity(seq)).isEqualTo(entry.getValue().capacity);
            for (int block : cache.blockTable(seq)) {
                assertThat(blocks.add(block)).as("block %d in two tables", block).isTrue();
            }
            held += cache.blockTable(seq).length;
            List<Float> markers = written.get(seq);
            for (int position = 0; position < markers.size(); position++) {
                assertThat(cache.keys(1)[cache.offset(seq, position) + 5]).isEqualTo(markers.get(position));
                assertThat(cache.values(0)[cache.offset(seq, position)]).isEqualTo(-markers.get(position));
            }
        }
        assertThat(cache.sequenceCount()).isEqualTo(model.size());
        assertThat(cache.freeBlocks()).isEqualTo(numBlocks - held);
    }
}
