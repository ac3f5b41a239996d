package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.TopicTag;
import io.textintel.serving.task.LabelScore;

import org.junit.jupiter.api.Test;

import java.util.List;

class TopLabelsTest {

    private static final List<String> LABELS = List.of("billing", "delivery", "praise", "refund");

    @Test
    void keepsAtMostTopKAboveTheMinimumAndBreaksTiesByLabelId() {
        float[] p = {0.3f, 0.3f, 0.05f, 0.35f};

        assertThat(TopLabels.of(p, LABELS, 3, 0.1f)).extracting(TopicTag::getLabel)
                .containsExactly("refund", "billing", "delivery");
        assertThat(TopLabels.of(p, LABELS, 10, 0.31f)).extracting(TopicTag::getLabel).containsExactly("refund");
        assertThat(TopLabels.of(p, LABELS, 2, 0.9f)).isEmpty();
        assertThat(TopLabels.of(p, LABELS, 10, 0.3f)).as("min-score is inclusive").hasSize(3);
    }

    @Test
    void aHeadWithTheWrongNumberOfOutputsIsABug() {
        assertThatThrownBy(() -> TopLabels.of(new float[3], LABELS, 1, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 scores for 4 labels");
    }

    @Test
    void rankedDecoderLabelsStopAtTopKOrTheFirstBelowTheMinimum() {
        List<LabelScore> ranked = List.of(new LabelScore("refund", 0.6), new LabelScore("billing", 0.3),
                new LabelScore("praise", 0.1));

        assertThat(TopLabels.ofRanked(ranked, 2, 0f)).extracting(TopicTag::getLabel).containsExactly("refund", "billing");
        assertThat(TopLabels.ofRanked(ranked, 3, 0.2f)).extracting(TopicTag::getLabel).containsExactly("refund", "billing");
    }
}
