package io.textintel.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.RawRecord;
import java.util.regex.Pattern;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.junit.jupiter.api.Test;

class KafkaRawSourceTest {

    @Test
    void buildsAnUnboundedSourceOfRawRecords() {
        KafkaSource<RawRecord> source = valid().build();

        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(source.getProducedType()).isEqualTo(new AvroTypeInfo<>(RawRecord.class));
    }

    @Test
    void boundedModeStopsAtTheLatestOffsets() {
        KafkaSource<RawRecord> source = valid().bounded(true).build();

        assertThat(source.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
    }

    @Test
    void acceptsATopicPatternInsteadOfTopics() {
        KafkaSource<RawRecord> source =
                KafkaRawSource.builder()
                        .bootstrapServers("127.0.0.1:9092")
                        .groupId("g")
                        .topicPattern(Pattern.compile("feedback-.*"))
                        .build();

        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    }

    @Test
    @SuppressWarnings("deprecation")
    void startingOffsetsMapToTheConnectorsInitializers() {
        assertThat(StartingOffsets.EARLIEST.toInitializer().getAutoOffsetResetStrategy())
                .isEqualTo(OffsetResetStrategy.EARLIEST);
        assertThat(StartingOffsets.LATEST.toInitializer().getAutoOffsetResetStrategy())
                .isEqualTo(OffsetResetStrategy.LATEST);
        assertThat(
                        StartingOffsets.COMMITTED_OR_EARLIEST
                                .toInitializer()
                                .getAutoOffsetResetStrategy())
                .isEqualTo(OffsetResetStrategy.EARLIEST);
    }

    @Test
    void startingOffsetsParseTheirConfigNames() {
        for (StartingOffsets value : StartingOffsets.values()) {
            assertThat(StartingOffsets.parse(value.configName())).isEqualTo(value);
        }
        assertThat(StartingOffsets.parse(" Committed_Or_Earliest "))
                .isEqualTo(StartingOffsets.COMMITTED_OR_EARLIEST);
        assertThatThrownBy(() -> StartingOffsets.parse("newest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "starting offsets 'newest' are not known, expected one of earliest,"
                                + " latest, committed-or-earliest");
    }

    @Test
    void passesExtraConsumerProperties() {
        KafkaRawSource.Builder builder =
                valid().property("security.protocol", "SSL").property("fetch.max.bytes", "1048576");

        assertThat(builder.consumerProperties())
                .containsEntry("security.protocol", "SSL")
                .containsEntry("fetch.max.bytes", "1048576");
        assertThat(builder.build()).isNotNull();
    }

    @Test
    void rejectsMissingOrConflictingSettings() {
        assertThatThrownBy(() -> KafkaRawSource.builder().topics("t").groupId("g").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bootstrapServers is not set, expected a non-blank value");
        assertThatThrownBy(
                        () ->
                                KafkaRawSource.builder()
                                        .bootstrapServers("b:1")
                                        .topics("t")
                                        .groupId(" ")
                                        .build())
                .hasMessage("groupId is blank (\" \"), expected a non-blank value");
        assertThatThrownBy(
                        () ->
                                KafkaRawSource.builder()
                                        .bootstrapServers("b:1")
                                        .groupId("g")
                                        .build())
                .hasMessage(
                        "topics are [] and the topic pattern is null, expected exactly one of the"
                                + " two");
        assertThatThrownBy(
                        () ->
                                valid().topicPattern(Pattern.compile("x.*")).build())
                .hasMessage(
                        "topics are [feedback] and the topic pattern is x.*, expected exactly one"
                                + " of the two");
        assertThatThrownBy(() -> valid().topics("has space").build())
                .hasMessageStartingWith("topic 'has space' is not a valid Kafka topic name: ");
    }

    @Test
    void rejectsPropertiesThatTheBuilderOwns() {
        assertThatThrownBy(() -> valid().property("group.id", "other").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "property 'group.id' is set by the source itself, expected it through the"
                                + " builder's own method (bootstrapServers, groupId,"
                                + " startingOffsets) or not at all");
        assertThatThrownBy(() -> valid().property("auto.offset.reset", "latest").build())
                .hasMessageStartingWith("property 'auto.offset.reset' is set by the source");
    }

    private static KafkaRawSource.Builder valid() {
        return KafkaRawSource.builder()
                .bootstrapServers("127.0.0.1:9092")
                .topics("feedback")
                .groupId("textintel");
    }
}
