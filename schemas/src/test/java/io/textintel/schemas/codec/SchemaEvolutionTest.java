package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Checks, with Avro's own {@link SchemaCompatibility}, that the schemas can evolve the way the
 * pipeline relies on: adding an optional field with a default must let old and new producers and
 * consumers read each other's records.
 */
class SchemaEvolutionTest {

    private static final Path AVRO_DIR = Path.of("src/main/avro");

    /** Named types other schemas refer to; parsed first, as the avro-maven-plugin imports them. */
    private static final List<String> IMPORTS =
            List.of("KafkaProvenance.avsc", "TopicTag.avsc", "ModelRef.avsc", "SummaryInfo.avsc");

    @Test
    void newReaderReadsTextRecordsOfTheCurrentWriter() throws Exception {
        assertNewReaderReadsCurrentData(TextRecord.getClassSchema(), TestRecords.textRecord());
    }

    @Test
    void newReaderReadsEnrichedDocumentsOfTheCurrentWriter() throws Exception {
        assertNewReaderReadsCurrentData(
                EnrichedDocument.getClassSchema(), TestRecords.enrichedDocument());
    }

    @Test
    void currentReaderReadsTextRecordsOfTheNewWriter() throws Exception {
        assertCurrentReaderReadsNewData(TextRecord.class, TestRecords.textRecord());
    }

    @Test
    void currentReaderReadsEnrichedDocumentsOfTheNewWriter() throws Exception {
        assertCurrentReaderReadsNewData(EnrichedDocument.class, TestRecords.enrichedDocument());
    }

    @Test
    void checkerRejectsARequiredFieldWithoutDefault() {
        // Shows the checker has teeth: the same evolution without a default breaks old data.
        Schema current = TextRecord.getClassSchema();
        Schema broken = withField(current, "sentiment", Schema.create(Schema.Type.STRING), null);

        assertThat(
                        SchemaCompatibility.checkReaderWriterCompatibility(broken, current)
                                .getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void everyAvscIsBackwardAndForwardCompatibleWithItselfAndItsGeneratedClass()
            throws Exception {
        Map<String, Schema> schemas = parseAllAvsc();

        assertThat(schemas).isNotEmpty();
        for (Map.Entry<String, Schema> entry : schemas.entrySet()) {
            Schema schema = entry.getValue();
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(schema, schema).getType())
                    .as("%s read by itself", entry.getKey())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            Schema generated = SpecificData.get().getSchema(generatedClass(schema));
            // The generated schema adds the avro.java.string property, so compare parsing forms.
            assertThat(SchemaNormalization.toParsingForm(generated))
                    .as("generated class of %s", entry.getKey())
                    .isEqualTo(SchemaNormalization.toParsingForm(schema));
            assertCompatibleBothWays(entry.getKey(), schema, generated);
        }
    }

    private static void assertNewReaderReadsCurrentData(Schema current, SpecificRecord record)
            throws Exception {
        Schema newer = withOptionalSentiment(current);
        assertCompatibleBothWays(current.getName(), newer, current);

        // Bytes as the current producers write them, read by a consumer on the newer schema.
        @SuppressWarnings("unchecked")
        byte[] bytes = encodeSpecific((Class<SpecificRecord>) record.getClass(), record);
        BinaryMessageDecoder<GenericRecord> newConsumer =
                new BinaryMessageDecoder<>(GenericData.get(), newer);
        newConsumer.addSchema(current);
        GenericRecord read = newConsumer.decode(bytes);

        assertThat(read.get("sentiment")).isNull();
        assertThat(read.get("id").toString()).isEqualTo(record.get(current.getField("id").pos()));
        assertThat(read.get("text").toString())
                .isEqualTo(record.get(current.getField("text").pos()));
    }

    private static <T extends SpecificRecord> void assertCurrentReaderReadsNewData(
            Class<T> type, T record) throws Exception {
        Schema current = SpecificData.get().getSchema(type);
        Schema newer = withOptionalSentiment(current);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, newer).getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);

        // A newer producer's record: the current fields plus a sentiment value.
        GenericRecord newRecord = asGeneric(current, newer, encodeSpecific(type, record));
        newRecord.put("sentiment", "negative");
        byte[] bytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), newer)
                        .encode(newRecord)
                        .array();

        AvroSingleObjectCodec<T> currentConsumer =
                AvroSingleObjectCodec.builder(type).addWriterSchema(newer).build();

        assertThat(currentConsumer.decode(bytes)).isEqualTo(record);
    }

    private static void assertCompatibleBothWays(String what, Schema a, Schema b) {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(a, b).getType())
                .as("%s: reader %s, writer %s", what, a, b)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(b, a).getType())
                .as("%s: reader %s, writer %s", what, b, a)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema withOptionalSentiment(Schema schema) {
        Schema optionalString =
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        return withField(schema, "sentiment", optionalString, JsonProperties.NULL_VALUE);
    }

    private static Schema withField(Schema schema, String name, Schema type, Object defaultValue) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : schema.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field(name, type, "added in a later version", defaultValue));
        return Schema.createRecord(
                schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static <T extends SpecificRecord> byte[] encodeSpecific(Class<T> type, SpecificRecord record) {
        return AvroSingleObjectCodec.of(type).encode(type.cast(record));
    }

    /** Reads single-object bytes of {@code writer} as a generic record of {@code reader}. */
    private static GenericRecord asGeneric(Schema writer, Schema reader, byte[] singleObject)
            throws IOException {
        int header = AvroSingleObjectCodec.HEADER_LENGTH;
        return new GenericDatumReader<GenericRecord>(writer, reader)
                .read(
                        null,
                        DecoderFactory.get()
                                .binaryDecoder(
                                        singleObject,
                                        header,
                                        singleObject.length - header,
                                        null));
    }

    private static Map<String, Schema> parseAllAvsc() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(AVRO_DIR)) {
            files =
                    listing.filter(p -> p.toString().endsWith(".avsc"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        List<Path> ordered = new ArrayList<>();
        for (String name : IMPORTS) {
            ordered.add(AVRO_DIR.resolve(name));
        }
        files.stream().filter(p -> !ordered.contains(p)).forEach(ordered::add);

        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> schemas = new LinkedHashMap<>();
        for (Path file : ordered) {
            schemas.put(file.getFileName().toString(), parser.parse(file.toFile()));
        }
        assertThat(schemas).hasSize(files.size());
        return schemas;
    }

    private static Class<?> generatedClass(Schema schema) throws ClassNotFoundException {
        return Class.forName(schema.getFullName());
    }
}
