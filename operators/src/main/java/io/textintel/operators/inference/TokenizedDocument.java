package io.textintel.operators.inference;

import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.TextRecord;

import java.util.Arrays;
import java.util.Objects;

/** A record with the tokens of each of its model tasks, on its way to inference: a Flink POJO. */
public class TokenizedDocument {

    /** The validated input. */
    public TextRecord record;

    /** The Kafka position the record was read from. */
    public KafkaProvenance provenance;

    /** One entry per task, in the order of the pipeline's task list. */
    public TaskInput[] inputs;

    public TokenizedDocument() {}

    public TokenizedDocument(TextRecord record, KafkaProvenance provenance, TaskInput[] inputs) {
        this.record = record;
        this.provenance = provenance;
        this.inputs = inputs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedDocument other
                && Objects.equals(record, other.record)
                && Objects.equals(provenance, other.provenance)
                && Arrays.equals(inputs, other.inputs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, provenance, Arrays.hashCode(inputs));
    }

    @Override
    public String toString() {
        return "TokenizedDocument{id=" + (record == null ? null : record.getId()) + ", inputs="
                + Arrays.toString(inputs) + '}';
    }
}
