package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@code ModelRef.head}, {@code SummaryInfo.method} and {@code SummaryInfo.sentences} came after
 * documents were written without them: documents of the earlier schema must read with the defaults,
 * and consumers still on it must read the new documents.
 */
class HeadAndSummaryFieldsEvolutionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Set<String>> ADDED =
            Map.of("ModelRef", Set.of("head"), "SummaryInfo", Set.of("method", "sentences"));

    /** The EnrichedDocument schema as it was before the fields were added. */
    private static Schema earlier() throws IOException {
        JsonNode tree = JSON.readTree(EnrichedDocument.getClassSchema().toString());
        removeAddedFields(tree);
        return new Schema.Parser().parse(tree.toString());
    }

    private static void removeAddedFields(JsonNode node) {
        if (node.isObject()) {
            Set<String> added = ADDED.get(node.path("name").asText());
            if ("record".equals(node.path("type").asText()) && added != null) {
                ArrayNode fields = (ArrayNode) node.get("fields");
                for (int i = fields.size() - 1; i >= 0; i--) {
                    if (added.contains(fields.get(i).path("name").asText())) {
                        fields.remove(i);
                    }
                }
            }
            ((ObjectNode) node).elements().forEachRemaining(HeadAndSummaryFieldsEvolutionTest::removeAddedFields);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(HeadAndSummaryFieldsEvolutionTest::removeAddedFields);
        }
    }

    private static EnrichedDocument current() {
        EnrichedDocument document = TestRecords.enrichedDocument();
        document.getSummary().setMethod("extractive");
        document.getSummary().setSentences(List.of(0, 2));
        document.getModels().get(0).setHead("few-shot:0123456789abcdef");
        return document;
    }

    @Test
    void theEarlierAndTheCurrentSchemaReadEachOther() throws IOException {
        Schema earlier = earlier();
        assertThat(earlier.toString()).doesNotContain("\"head\"").doesNotContain("\"sentences\"");
        for (Schema[] pair : new Schema[][] {{earlier, EnrichedDocument.getClassSchema()},
                {EnrichedDocument.getClassSchema(), earlier}}) {
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(pair[0], pair[1]).getType())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void aDocumentOfTheEarlierSchemaReadsWithTheDefaults() throws Exception {
        Schema earlier = earlier();
        byte[] current = AvroSingleObjectCodec.of(EnrichedDocument.class).encode(current());
        // The same document as an earlier producer wrote it: projected onto the earlier schema.
        GenericRecord old = new GenericDatumReader<GenericRecord>(EnrichedDocument.getClassSchema(), earlier).read(null,
                DecoderFactory.get().binaryDecoder(current, AvroSingleObjectCodec.HEADER_LENGTH,
                        current.length - AvroSingleObjectCodec.HEADER_LENGTH, null));
        byte[] oldBytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), earlier).encode(old).array();

        EnrichedDocument read = AvroSingleObjectCodec.builder(EnrichedDocument.class).addWriterSchema(earlier).build()
                .decode(oldBytes);

        SummaryInfo summary = read.getSummary();
        ModelRef model = read.getModels().get(0);
        assertThat(summary.getMethod()).isNull();
        assertThat(summary.getSentences()).isEmpty();
        assertThat(summary.getText()).isEqualTo(current().getSummary().getText());
        assertThat(model.getHead()).isNull();
        assertThat(model.getModelId()).isEqualTo(current().getModels().get(0).getModelId());
    }

    @Test
    void aConsumerOnTheEarlierSchemaReadsNewDocuments() throws IOException {
        Schema earlier = earlier();
        byte[] bytes = AvroSingleObjectCodec.of(EnrichedDocument.class).encode(current());
        BinaryMessageDecoder<GenericRecord> oldConsumer = new BinaryMessageDecoder<>(GenericData.get(), earlier);
        oldConsumer.addSchema(EnrichedDocument.getClassSchema());

        GenericRecord read = oldConsumer.decode(bytes);

        GenericRecord summary = (GenericRecord) read.get("summary");
        assertThat(summary.get("text").toString()).isEqualTo("Crash at login.");
        assertThat(summary.hasField("method")).isFalse();
    }
}
