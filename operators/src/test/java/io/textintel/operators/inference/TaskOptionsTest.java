package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The kind-specific settings check themselves and name what is wrong. */
class TaskOptionsTest {

    private static final List<LabelledExample> EXAMPLES = List.of(
            new LabelledExample("charged twice", "billing"), new LabelledExample("double payment", "billing"),
            new LabelledExample("parcel late", "delivery"), new LabelledExample("still waiting", "delivery"));

    @Test
    void aZeroShotLabelsNameIsAlwaysItsFirstDescription() {
        ZeroShotSettings settings = new ZeroShotSettings(List.of("app_crash", "refund"),
                List.of(List.of(), List.of("money back", "refund", "reimbursement")), null, 0.05f, false);

        assertThat(settings.descriptions()).containsExactly(List.of("app crash"),
                List.of("refund", "money back", "reimbursement"));
        assertThat(new ZeroShotSettings(settings.labels(), settings.descriptions(), "", 0.05f, false))
                .as("resolving twice changes nothing").isEqualTo(settings);
        assertThat(settings.labelPrefix()).isEmpty();
    }

    @Test
    void zeroShotSettingsNameTheirProblems() {
        assertThatThrownBy(() -> ZeroShotSettings.ofLabels(List.of())).hasMessageContaining("labels are empty");
        assertThatThrownBy(() -> ZeroShotSettings.ofLabels(List.of("a", "a"))).hasMessageContaining("'a' twice");
        assertThatThrownBy(() -> ZeroShotSettings.ofLabels(List.of("only"))).hasMessageContaining("at least two");
        assertThatThrownBy(() -> new ZeroShotSettings(List.of("a", "b"), List.of(List.of(), List.of()), "", 0f, false))
                .hasMessageContaining("temperature is 0.0");
    }

    @Test
    void fewShotLabelsComeFromTheExamplesInOrderOfFirstAppearance() {
        assertThat(FewShotSettings.of(EXAMPLES).labels()).containsExactly("billing", "delivery");
    }

    @Test
    void fewShotSettingsRefuseUnknownLabelsLabelsWithoutExamplesAndTooFewExamples() {
        assertThatThrownBy(() -> new FewShotSettings(List.of("billing"), EXAMPLES, "ex.jsonl", 1e-3f, false, 1))
                .hasMessageContaining("example 'parcel late' in ex.jsonl has label 'delivery', which is not among"
                        + " labels [billing]");
        assertThatThrownBy(() -> new FewShotSettings(List.of("billing", "delivery", "praise"), EXAMPLES, "ex.jsonl",
                1e-3f, false, 1)).hasMessageContaining("too few texts for labels praise (0), expected at least 1");
        assertThatThrownBy(() -> new FewShotSettings(List.of(), EXAMPLES, "ex.jsonl", 1e-3f, false, 3))
                .hasMessageContaining("billing (2), delivery (2), expected at least 3 per label");
        assertThatThrownBy(() -> new FewShotSettings(List.of(), List.of(new LabelledExample("t", List.of("a", "b"))),
                "ex.jsonl", 1e-3f, false, 1)).hasMessageContaining("expected one label (or multi-label: true)");
        assertThatThrownBy(() -> new FewShotSettings(List.of(), EXAMPLES, "ex.jsonl", 0f, false, 1))
                .hasMessageContaining("regularization is 0.0");
    }

    @Test
    void extractiveSettingsNameTheirProblems() {
        assertThat(ExtractiveSettings.of(3).minSentences()).isEqualTo(4);
        assertThatThrownBy(() -> ExtractiveSettings.of(3).withMinTextLength(-1)).hasMessageContaining("min-text-length is -1");
        assertThatThrownBy(() -> ExtractiveSettings.of(0)).hasMessageContaining("max-sentences is 0");
        assertThatThrownBy(() -> new ExtractiveSettings(2, 0, 1, 0, 10, 0.7f)).hasMessageContaining("min-sentences is 1");
        assertThatThrownBy(() -> new ExtractiveSettings(2, 0, 3, 0, 10, 1.5f)).hasMessageContaining("mmr-lambda is 1.5");
    }

    @Test
    void aTaskRefusesOptionsOfAnotherKindAndAPrefixOnADecoder() {
        assertThatThrownBy(() -> new ModelTask("t", TaskKind.ZERO_SHOT_TAG, "m", null, 0, 1, 0f, ExtractiveSettings.of(2)))
                .hasMessageContaining("task 't' of kind ZERO_SHOT_TAG has ExtractiveSettings, expected ZeroShotSettings");
        assertThatThrownBy(() -> new ModelTask("t", TaskKind.FEW_SHOT_TAG, "m", null, 0, 1, 0f, null))
                .hasMessageContaining("has no options, expected FewShotSettings");
        assertThatThrownBy(() -> new ModelTask("t", TaskKind.SUMMARIZE, "m", null, 0, 1, 0f, "query: ",
                GenerativeSettings.summary(8))).hasMessageContaining("has a prefix, expected one only for encoder tasks");
    }
}
