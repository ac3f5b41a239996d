package io.textintel.operators.inference;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.EnrichedDocument;

import java.util.Objects;

/**
 * What inference made of one document: the enriched document, or a dead letter saying why not.
 *
 * <p>Flink's async operator has no side output, so both travel in one POJO and
 * {@link SplitOutcomes} routes them apart.
 */
public class InferenceOutcome {

    /** The enriched document, or null when {@link #deadLetter} is set. */
    public EnrichedDocument document;

    /** Why the document could not be enriched, or null when {@link #document} is set. */
    public DeadLetter deadLetter;

    public InferenceOutcome() {}

    private InferenceOutcome(EnrichedDocument document, DeadLetter deadLetter) {
        this.document = document;
        this.deadLetter = deadLetter;
    }

    public static InferenceOutcome enriched(EnrichedDocument document) {
        return new InferenceOutcome(Objects.requireNonNull(document, "document"), null);
    }

    public static InferenceOutcome rejected(DeadLetter deadLetter) {
        return new InferenceOutcome(null, Objects.requireNonNull(deadLetter, "deadLetter"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceOutcome other
                && Objects.equals(document, other.document)
                && Objects.equals(deadLetter, other.deadLetter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(document, deadLetter);
    }

    @Override
    public String toString() {
        return document != null ? "enriched " + document.getId() : "rejected: " + deadLetter.getReason();
    }
}
