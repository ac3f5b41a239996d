package io.textintel.operators.drift;

import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;

import org.apache.flink.api.common.functions.MapFunction;

import java.util.Arrays;
import java.util.List;

/**
 * Measures the drift features of an enriched document: its length in characters and tokens, the
 * tokenizer's unknown-token rate, the declared language, the embedding, the best topic and its
 * score, and the summary's length and draft acceptance.
 *
 * <p>Tokens are those of the first task (before truncation, as the tokenize step counted them);
 * the event time is the record's own, else the Kafka record's timestamp, else the processing time.
 */
public final class DriftFeaturesFunction implements MapFunction<EnrichedDocument, DriftFeatures> {

    private static final long serialVersionUID = 1L;

    /** Language of documents whose producer declared none. */
    public static final String UNKNOWN_LANGUAGE = "unknown";

    @Override
    public DriftFeatures map(EnrichedDocument doc) {
        return extract(doc);
    }

    /** The features of {@code doc}. */
    public static DriftFeatures extract(EnrichedDocument doc) {
        double[] scalars = new double[ScalarFeature.values().length];
        Arrays.fill(scalars, Double.NaN);
        scalars[ScalarFeature.TEXT_CHARS.ordinal()] = doc.getText().length();
        List<ModelRef> models = doc.getModels();
        if (!models.isEmpty() && models.get(0).getInputTokens() > 0) {
            ModelRef first = models.get(0);
            scalars[ScalarFeature.TOKENS.ordinal()] = first.getInputTokens();
            scalars[ScalarFeature.UNKNOWN_TOKEN_RATE.ordinal()] =
                    (double) first.getUnknownTokens() / first.getInputTokens();
        }
        String[] categories = new String[CategoricalFeature.values().length];
        categories[CategoricalFeature.LANGUAGE.ordinal()] =
                doc.getLanguage() == null ? UNKNOWN_LANGUAGE : doc.getLanguage();
        List<TopicTag> topics = doc.getTopics(); // best first
        if (!topics.isEmpty()) {
            categories[CategoricalFeature.TOPIC.ordinal()] = topics.get(0).getLabel();
            scalars[ScalarFeature.CONFIDENCE.ordinal()] = topics.get(0).getScore();
        }
        SummaryInfo summary = doc.getSummary();
        if (summary != null) {
            scalars[ScalarFeature.SUMMARY_TOKENS.ordinal()] = summary.getOutputTokens();
            if (summary.getAcceptanceRate() != null) {
                scalars[ScalarFeature.SUMMARY_ACCEPTANCE.ordinal()] = summary.getAcceptanceRate();
            }
        }
        float[] embedding = null;
        if (doc.getEmbedding() != null) {
            List<Float> values = doc.getEmbedding();
            embedding = new float[values.size()];
            for (int i = 0; i < embedding.length; i++) {
                embedding[i] = values.get(i);
            }
        }
        return new DriftFeatures(doc.getId(), eventTime(doc), scalars, categories, embedding);
    }

    private static long eventTime(EnrichedDocument doc) {
        if (doc.getEventTime() != null) {
            return doc.getEventTime().toEpochMilli();
        }
        if (doc.getProvenance() != null) {
            return doc.getProvenance().getTimestamp().toEpochMilli();
        }
        return doc.getProcessingTime().toEpochMilli();
    }
}
