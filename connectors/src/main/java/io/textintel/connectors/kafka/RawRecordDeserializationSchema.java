package io.textintel.connectors.kafka;

import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.RawRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The Kafka deserializer of the raw input: every consumed record becomes one {@link RawRecord}
 * holding the key and value bytes exactly as they were read, and the topic, partition, offset and
 * timestamp they came from.
 *
 * <p>It never looks at the content, so it never fails on it: undecodable values travel on as
 * bytes and the decode operator turns them into dead letters with their provenance. Tombstones
 * (null values) and null keys stay null. A record without a Kafka timestamp (Kafka's {@code
 * NO_TIMESTAMP}, -1) keeps -1 as its provenance timestamp.
 *
 * <p>Stateless and thread-safe.
 */
public final class RawRecordDeserializationSchema
        implements KafkaRecordDeserializationSchema<RawRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        out.collect(toRawRecord(record));
    }

    /** The raw record of one consumed Kafka record; the byte arrays are wrapped, not copied. */
    static RawRecord toRawRecord(ConsumerRecord<byte[], byte[]> record) {
        KafkaProvenance provenance =
                KafkaProvenance.newBuilder()
                        .setTopic(record.topic())
                        .setPartition(record.partition())
                        .setOffset(record.offset())
                        .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                        .build();
        return RawRecord.newBuilder()
                .setKey(wrap(record.key()))
                .setValue(wrap(record.value()))
                .setProvenance(provenance)
                .build();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return new AvroTypeInfo<>(RawRecord.class);
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }
}
