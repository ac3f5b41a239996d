package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

class ReferenceProfileTest {

    private static List<DriftFeatures> reference;
    private static ReferenceProfile profile;

    @BeforeAll
    static void build() {
        reference = new SyntheticDriftStream(7, 1).take(400);
        profile = ReferenceProfile.build(reference, DriftTestProfiles.SMALL);
    }

    @Test
    void sameDocumentsInAnyOrderGiveTheSameVersionAndBytes() {
        List<DriftFeatures> shuffled = new ArrayList<>(reference);
        Collections.shuffle(shuffled, new Random(3));
        ReferenceProfile again = ReferenceProfile.build(shuffled, DriftTestProfiles.SMALL);
        assertThat(again.version()).isEqualTo(profile.version()).matches("ref-[0-9a-f]{12}");
        assertThat(again.toBytes()).isEqualTo(profile.toBytes());
    }

    @Test
    void otherDocumentsOrSettingsGiveAnotherVersion() {
        List<DriftFeatures> changed = new ArrayList<>(reference);
        DriftFeatures first = changed.get(0);
        double[] scalars = first.scalars.clone();
        scalars[0] += 1;
        changed.set(0, new DriftFeatures(first.id, first.eventTime, scalars, first.categories, first.embedding));
        assertThat(ReferenceProfile.build(changed, DriftTestProfiles.SMALL).version()).isNotEqualTo(profile.version());
        assertThat(ReferenceProfile.build(reference, DriftTestProfiles.SMALL.withSeed(43)).version())
                .isNotEqualTo(profile.version());
    }

    @Test
    void bytesAndFileRoundTripGiveTheSameProfile(@TempDir Path dir) throws IOException {
        ReferenceProfile copy = ReferenceProfile.fromBytes(profile.toBytes());
        assertThat(copy.toBytes()).isEqualTo(profile.toBytes());
        assertThat(copy.version()).isEqualTo(profile.version());
        assertThat(copy.statistics()).isEqualTo(profile.statistics());
        DriftFeatures live = new SyntheticDriftStream(7, 9).next();
        assertThat(copy.project(live)).isEqualTo(profile.project(live));

        Path file = dir.resolve("reference.profile");
        profile.write(file);
        ReferenceProfile read = ReferenceProfile.read(file);
        assertThat(read.toBytes()).isEqualTo(profile.toBytes());
        assertThat(read.documents()).as("every other document; the rest fitted the principal components")
                .isEqualTo(200);
        assertThat(read.firstEventTime()).isEqualTo(profile.firstEventTime());
        assertThat(read.lastEventTime()).isEqualTo(profile.lastEventTime()).isGreaterThan(read.firstEventTime());
    }

    @Test
    void aFileThatIsNotAProfileFailsNamingTheFileAndTheReason(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("text.profile");
        Files.writeString(text, "not a profile at all");
        assertThatThrownBy(() -> ReferenceProfile.read(text)).isInstanceOf(IOException.class)
                .hasMessageContaining(text.toString()).hasMessageContaining("magic");

        byte[] bytes = profile.toBytes();
        bytes[bytes.length / 2] ^= 1;
        Path corrupt = dir.resolve("corrupt.profile");
        Files.write(corrupt, bytes);
        assertThatThrownBy(() -> ReferenceProfile.read(corrupt)).isInstanceOf(IOException.class)
                .hasMessageContaining("checksum");

        Path truncated = dir.resolve("truncated.profile");
        Files.write(truncated, java.util.Arrays.copyOf(profile.toBytes(), 1000));
        assertThatThrownBy(() -> ReferenceProfile.read(truncated)).isInstanceOf(IOException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void tooSmallAReferenceIsRejected() {
        assertThatThrownBy(() -> ReferenceProfile.build(reference.subList(0, 1), DriftTestProfiles.SMALL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the reference has 1 documents, expected at least 4");
    }

    @Test
    void embeddingsOfAnotherDimensionAreRejected() {
        DriftFeatures f = reference.get(0);
        DriftFeatures wrong = new DriftFeatures("x", 0, f.scalars, f.categories, new float[16]);
        assertThatThrownBy(() -> profile.project(wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("document x has an embedding of 16 dims, expected 32 dims (the reference's)");
        List<DriftFeatures> mixed = new ArrayList<>(reference);
        mixed.set(5, wrong);
        assertThatThrownBy(() -> ReferenceProfile.build(mixed, DriftTestProfiles.SMALL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 dims, expected 32 dims");
    }

    /** Features the reference lacks (no summaries, no embeddings) are not monitored; the rest still is. */
    @Test
    void featuresAbsentFromTheReferenceAreNotMonitored() {
        List<DriftFeatures> bare = new ArrayList<>();
        for (DriftFeatures f : reference) {
            double[] scalars = f.scalars.clone();
            scalars[ScalarFeature.SUMMARY_TOKENS.ordinal()] = Double.NaN;
            scalars[ScalarFeature.SUMMARY_ACCEPTANCE.ordinal()] = Double.NaN;
            bare.add(new DriftFeatures(f.id, f.eventTime, scalars, new String[] {f.categories[0], null}, null));
        }
        ReferenceProfile partial = ReferenceProfile.build(bare, DriftTestProfiles.SMALL);
        assertThat(partial.dims()).isZero();
        assertThat(partial.statistics()).extracting(DriftStatistic::name).containsExactly(
                "text_chars/ks", "tokens/ks", "unknown_token_rate/ks", "confidence/ks", "topic/jsd", "topic/psi");
        // Live documents with embeddings and summaries still project and accumulate; nothing is evaluated for them.
        ProjectedFeatures live = partial.project(new SyntheticDriftStream(7, 9).next());
        assertThat(live.values).hasSize(ReferenceProfile.SCALARS);
        assertThat(live.embedding).isNull();
        DriftDetector detector = new DriftDetector(partial, DriftTestProfiles.SMALL);
        DriftAccumulator window = detector.newWindow();
        for (DriftFeatures f : new SyntheticDriftStream(7, 10).take(40)) {
            window.add(partial.project(f));
        }
        assertThat(detector.evaluate(window, new int[6])).hasSize(6);
    }

    @Test
    void theFullProfileMonitorsEveryFeature() {
        assertThat(profile.statistics()).extracting(DriftStatistic::name).containsExactly(
                "text_chars/ks", "tokens/ks", "unknown_token_rate/ks", "confidence/ks", "summary_tokens/ks",
                "summary_acceptance/ks", "embedding/cosine_centroid", "embedding/ks_max",
                "embedding/drifted_direction_share", "embedding/reconstruction_error_ks", "topic/jsd", "topic/psi",
                "language/jsd", "language/psi");
    }

    @Test
    @SuppressWarnings("unchecked")
    void describeSaysWhatNormalWas() {
        Map<String, Object> described = profile.describe();
        assertThat(described).containsEntry("version", profile.version()).containsEntry("documents", 200)
                .containsKeys("firstEventTime", "lastEventTime", "scalars", "categories", "embedding", "thresholds");
        Map<String, Object> chars = (Map<String, Object>) ((Map<String, Object>) described.get("scalars")).get("text_chars");
        assertThat(chars).containsKeys("mean", "p05", "p25", "p50", "p75", "p95");
        assertThat((double) chars.get("p05")).isLessThan((double) chars.get("p50"));
        Map<String, Object> topic = (Map<String, Object>) ((Map<String, Object>) described.get("categories")).get("topic");
        Map<String, Double> shares = (Map<String, Double>) topic.get("shares");
        assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum())
                .isCloseTo(1, org.assertj.core.api.Assertions.within(1e-12));
        Map<String, Object> embedding = (Map<String, Object>) described.get("embedding");
        assertThat(embedding).containsEntry("dims", 32).containsEntry("directions", 8).containsEntry("method", "pca");
        List<Double> explained = (List<Double>) embedding.get("explainedVariance");
        assertThat(explained).hasSize(8).isSortedAccordingTo(Collections.reverseOrder());
        Map<String, Object> thresholds = (Map<String, Object>) described.get("thresholds");
        assertThat(thresholds).containsEntry("windowDocuments", 40);
        assertThat((Map<String, Object>) thresholds.get("statistics")).hasSize(profile.statistics().size());
        assertThat(described.toString()).doesNotContain("NaN").doesNotContain("Infinity");
    }
}
