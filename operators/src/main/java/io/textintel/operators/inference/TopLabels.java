package io.textintel.operators.inference;

import io.textintel.schemas.TopicTag;
import io.textintel.serving.task.LabelScore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The tags a tagging task keeps of its labels' scores: at most {@code top-k}, none below {@code min-score}. */
final class TopLabels {

    private TopLabels() {}

    /** The {@code topK} highest-scoring labels with at least {@code minScore}, highest first; ties by label order. */
    static List<TopicTag> of(float[] scores, List<String> labels, int topK, float minScore) {
        if (scores.length != labels.size()) {
            throw new IllegalArgumentException("head returned " + scores.length + " scores for " + labels.size()
                    + " labels");
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Ties break by label id so that the result does not depend on the sort's stability.
        Arrays.sort(order, (a, b) -> {
            int byScore = Float.compare(scores[b], scores[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        List<TopicTag> tags = new ArrayList<>(Math.min(topK, order.length));
        for (int i = 0; i < order.length && tags.size() < topK; i++) {
            float score = scores[order[i]];
            if (score < minScore) {
                break;
            }
            tags.add(new TopicTag(labels.get(order[i]), score));
        }
        return tags;
    }

    /** The first {@code topK} of a decoder's labels (best first) with at least {@code minScore}. */
    static List<TopicTag> ofRanked(List<LabelScore> scores, int topK, float minScore) {
        List<TopicTag> tags = new ArrayList<>();
        for (LabelScore score : scores) {
            if (tags.size() == topK || score.probability() < minScore) {
                break;
            }
            tags.add(new TopicTag(score.label(), (float) score.probability()));
        }
        return tags;
    }
}
