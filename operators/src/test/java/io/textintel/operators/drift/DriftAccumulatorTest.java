package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

class DriftAccumulatorTest {

    private static ReferenceProfile profile;
    private static List<ProjectedFeatures> documents;

    @BeforeAll
    static void projectAStream() {
        profile = ReferenceProfile.build(new SyntheticDriftStream(7, 1).take(400), DriftTestProfiles.SMALL);
        documents = new SyntheticDriftStream(7, 2).take(6000).stream().map(profile::project).toList();
    }

    /**
     * Three partitions merged equal one accumulator over all: counts, category counts and the fixed-point
     * embedding sums exactly; the KLL sketches (in estimation mode at 6000 items) within their rank error:
     * each sketch's rank of the exact quantiles is within getNormalizedRankError(false) (99% confidence).
     */
    @Test
    void mergingPartitionsEqualsOneAccumulatorOverAll() {
        DriftAccumulator all = DriftAccumulator.forProfile(profile);
        DriftAccumulator[] parts = new DriftAccumulator[3];
        for (int p = 0; p < parts.length; p++) {
            parts[p] = DriftAccumulator.forProfile(profile);
        }
        for (int i = 0; i < documents.size(); i++) {
            all.add(documents.get(i));
            parts[(i * 7) % 3].add(documents.get(i)); // interleaved, not contiguous
        }
        DriftAccumulator merged = parts[2].merge(parts[0]).merge(parts[1]);

        assertThat(merged.count()).isEqualTo(all.count()).isEqualTo(6000);
        assertThat(merged.embeddingCount()).isEqualTo(all.embeddingCount());
        assertThat(merged.embeddingSumFixedPoint()).isEqualTo(all.embeddingSumFixedPoint());
        assertThat(merged.embeddingMean()).isEqualTo(all.embeddingMean());
        for (CategoricalFeature f : CategoricalFeature.values()) {
            assertThat(merged.categoryCounts(f)).isEqualTo(all.categoryCounts(f));
        }
        for (int v = 0; v < profile.valueCount(); v++) {
            KllDoublesSketch m = merged.sketchOrNull(v);
            KllDoublesSketch a = all.sketchOrNull(v);
            assertThat(m.getN()).isEqualTo(a.getN());
            double[] exact = new double[(int) a.getN()];
            int n = 0;
            for (ProjectedFeatures d : documents) {
                if (!Double.isNaN(d.values[v])) {
                    exact[n++] = d.values[v];
                }
            }
            Arrays.sort(exact);
            double tolerance = m.getNormalizedRankError(false);
            for (double q : new double[] {0.05, 0.25, 0.5, 0.75, 0.95}) {
                double x = exact[(int) (q * (exact.length - 1))];
                double exactRank = KolmogorovSmirnov.countAtMost(exact, x) / (double) exact.length;
                assertThat(m.getRank(x, QuantileSearchCriteria.INCLUSIVE)).as("value %d, q %s", v, q)
                        .isCloseTo(exactRank, within(tolerance));
                assertThat(a.getRank(x, QuantileSearchCriteria.INCLUSIVE)).isCloseTo(exactRank, within(tolerance));
            }
        }
    }

    @Test
    void bytesRoundTripKeepsEverything() {
        DriftAccumulator window = DriftAccumulator.forProfile(profile);
        documents.subList(0, 1000).forEach(window::add);
        byte[] bytes = window.toBytes();
        DriftAccumulator copy = DriftAccumulator.fromBytes(bytes);

        assertThat(copy.toBytes()).isEqualTo(bytes);
        assertThat(copy.count()).isEqualTo(1000);
        assertThat(copy.embeddingSumFixedPoint()).isEqualTo(window.embeddingSumFixedPoint());
        assertThat(copy.categoryCounts(CategoricalFeature.TOPIC)).isEqualTo(window.categoryCounts(CategoricalFeature.TOPIC));
        for (int v = 0; v < profile.valueCount(); v++) {
            assertThat(copy.sketchOrNull(v).getSortedView().getQuantiles())
                    .isEqualTo(window.sketchOrNull(v).getSortedView().getQuantiles());
        }
        // A restored window keeps accepting documents and merging.
        copy.add(documents.get(1000));
        copy.merge(DriftAccumulator.fromBytes(DriftAccumulator.forProfile(profile).toBytes()));
        assertThat(copy.count()).isEqualTo(1001);
        // Compact: sketches grow with log n, so 6× the documents take far less than 6× the bytes, and
        // 1000 documents take under half of their raw values (1000 × 15 values × 8 bytes).
        DriftAccumulator all = DriftAccumulator.forProfile(profile);
        documents.forEach(all::add);
        assertThat(all.toBytes().length).isLessThan(2 * bytes.length);
        assertThat(bytes.length).isLessThan(1000 * profile.valueCount() * 8 / 2);
    }

    @Test
    void anEmptyWindowRoundTrips() {
        DriftAccumulator empty = DriftAccumulator.forProfile(profile);
        assertThat(DriftAccumulator.fromBytes(empty.toBytes()).toBytes()).isEqualTo(empty.toBytes());
    }

    @Test
    void badInputIsRejectedWithWhatWasExpected() {
        DriftAccumulator window = DriftAccumulator.forProfile(profile);
        ProjectedFeatures good = documents.get(0);
        ProjectedFeatures wrongDims = new ProjectedFeatures("d1", 0, good.values, good.categories, new float[3]);
        assertThatThrownBy(() -> window.add(wrongDims)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 dims").hasMessageContaining("expected " + profile.dims() + " dims");
        ProjectedFeatures wrongValues = new ProjectedFeatures("d2", 0, new double[2], good.categories, null);
        assertThatThrownBy(() -> window.add(wrongValues)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 values, expected " + profile.valueCount());
        float[] big = good.embedding.clone();
        big[0] = 2f;
        ProjectedFeatures notNormalised = new ProjectedFeatures("d3", 0, good.values, good.categories, big);
        assertThatThrownBy(() -> window.add(notNormalised)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("component 0 = 2.0");
        assertThatThrownBy(() -> window.merge(new DriftAccumulator(3, 0, 200)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot merge");
        assertThatThrownBy(() -> DriftAccumulator.fromBytes(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a drift window");
        byte[] truncated = Arrays.copyOf(window.toBytes(), 20);
        assertThatThrownBy(() -> DriftAccumulator.fromBytes(truncated))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThat(window.count()).isZero();
    }
}
