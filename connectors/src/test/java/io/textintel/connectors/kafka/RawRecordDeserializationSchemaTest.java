package io.textintel.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RawRecordDeserializationSchemaTest {

    private final RawRecordDeserializationSchema schema = new RawRecordDeserializationSchema();

    @Test
    void keepsKeyAndValueBytesAndFillsProvenance() throws Exception {
        byte[] key = "fb-42".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"id\":\"fb-42\",\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);

        RawRecord raw = deserialize(record("feedback", 3, 1_234_567L, 1_718_000_000_123L, key, value));

        assertThat(bytes(raw.getKey())).isEqualTo(key);
        assertThat(bytes(raw.getValue())).isEqualTo(value);
        assertThat(raw.getProvenance())
                .isEqualTo(
                        KafkaProvenance.newBuilder()
                                .setTopic("feedback")
                                .setPartition(3)
                                .setOffset(1_234_567L)
                                .setTimestamp(Instant.ofEpochMilli(1_718_000_000_123L))
                                .build());
    }

    @Test
    void neverLooksAtTheContent() throws Exception {
        byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3};

        RawRecord raw = deserialize(record("t", 0, 0, 1, garbage, new byte[0]));

        assertThat(bytes(raw.getKey())).isEqualTo(garbage);
        assertThat(bytes(raw.getValue())).isEmpty();
    }

    @Test
    void keepsTombstonesAndNullKeysAsNull() throws Exception {
        RawRecord raw = deserialize(record("t", 1, 9, 5, null, null));

        assertThat(raw.getKey()).isNull();
        assertThat(raw.getValue()).isNull();
        assertThat(raw.getProvenance().getOffset()).isEqualTo(9);
    }

    @Test
    void recordsWithoutTimestampKeepMinusOne() throws Exception {
        RawRecord raw = deserialize(record("t", 0, 0, RecordBatch.NO_TIMESTAMP, null, new byte[] {1}));

        assertThat(raw.getProvenance().getTimestamp().toEpochMilli()).isEqualTo(-1L);
    }

    @Test
    void producedTypeIsAvroAndItsSerializerRoundTripsRawRecords() throws Exception {
        RawRecord raw =
                deserialize(
                        record("feedback", 2, 77, 1_718_000_000_123L, new byte[] {1}, new byte[] {2, 3}));
        TypeInformation<RawRecord> type = schema.getProducedType();
        TypeSerializer<RawRecord> serializer = type.createSerializer(new SerializerConfigImpl());

        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(raw, out);
        RawRecord copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(type).isInstanceOf(AvroTypeInfo.class);
        assertThat(copy).isEqualTo(raw);
        assertThat(serializer.copy(raw)).isEqualTo(raw);
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(schema);
        }
        RawRecordDeserializationSchema copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            copy = (RawRecordDeserializationSchema) in.readObject();
        }
        List<RawRecord> collected = new ArrayList<>();

        copy.deserialize(record("t", 0, 1, 2, null, new byte[] {7}), new ListCollector<>(collected));

        assertThat(collected).hasSize(1);
        assertThat(bytes(collected.get(0).getValue())).containsExactly(7);
    }

    private RawRecord deserialize(ConsumerRecord<byte[], byte[]> record) throws Exception {
        List<RawRecord> collected = new ArrayList<>();
        schema.deserialize(record, new ListCollector<>(collected));
        assertThat(collected).hasSize(1);
        return collected.get(0);
    }

    private static ConsumerRecord<byte[], byte[]> record(
            String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        return new ConsumerRecord<>(
                topic,
                partition,
                offset,
                timestamp,
                TimestampType.CREATE_TIME,
                key == null ? -1 : key.length,
                value == null ? -1 : value.length,
                key,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
