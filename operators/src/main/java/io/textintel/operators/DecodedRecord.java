package io.textintel.operators;

import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.TextRecord;

import java.util.Objects;

/**
 * A decoded and validated input record together with where it was read from.
 *
 * <p>A Flink POJO (public fields, no-argument constructor) so that Flink serializes it without Kryo;
 * its Avro fields use Flink's Avro serializer.
 */
public class DecodedRecord {

    /** The validated input. */
    public TextRecord record;

    /** The Kafka position the record was read from. */
    public KafkaProvenance provenance;

    public DecodedRecord() {}

    public DecodedRecord(TextRecord record, KafkaProvenance provenance) {
        this.record = Objects.requireNonNull(record, "record");
        this.provenance = Objects.requireNonNull(provenance, "provenance");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecodedRecord other
                && Objects.equals(record, other.record)
                && Objects.equals(provenance, other.provenance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, provenance);
    }

    @Override
    public String toString() {
        return "DecodedRecord{id=" + (record == null ? null : record.getId()) + ", provenance=" + provenance + '}';
    }
}
