package io.textintel.operators.inference;

import io.textintel.operators.DeadLetters;
import io.textintel.schemas.EnrichedDocument;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Sends enriched documents on and dead letters to the {@link DeadLetters#TAG} side output. */
public class SplitOutcomes extends ProcessFunction<InferenceOutcome, EnrichedDocument> {

    @Override
    public void processElement(InferenceOutcome outcome, Context ctx, Collector<EnrichedDocument> out) {
        if (outcome.document != null) {
            out.collect(outcome.document);
        } else if (outcome.deadLetter != null) {
            ctx.output(DeadLetters.TAG, outcome.deadLetter);
        } else {
            throw new IllegalStateException("inference outcome has neither a document nor a dead letter. This is a bug.");
        }
    }
}
