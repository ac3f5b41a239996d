package io.textintel.connectors.deadletter;

import io.textintel.connectors.elasticsearch.RejectedDocument;
import io.textintel.connectors.elasticsearch.RejectedDocumentSink;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.codec.DeadLetterBound;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;

import java.time.Clock;
import java.util.Objects;

/**
 * Publishes documents Elasticsearch rejects for good as {@link DeadLetter}s of stage SINK through a
 * Flink {@link KafkaSink} behind the Elasticsearch sink's writer ({@code ElasticsearchSink#addTo}): with a sink of
 * delivery guarantee {@code EXACTLY_ONCE} every rejection appears once on the topic for readers
 * with {@code isolation.level=read_committed}, also after failures and replays.
 *
 * <p>Each dead letter's bytes are the JSON source that was refused, within a {@link DeadLetterBound};
 * its key is the document id. Build the Kafka sink with
 * {@code KafkaSinks.deadLetters()}, with a transactional id prefix of its own.
 */
public final class KafkaRejectedDocumentSink implements RejectedDocumentSink {

    private static final long serialVersionUID = 1L;

    private final KafkaSink<DeadLetter> deadLetters;
    private final DeadLetterBound bound;
    private final String name;

    /**
     * @param deadLetters the Kafka sink of dead letters, keyed by record id
     * @param bound the size limit of each dead letter
     * @param name the name and uid of the sink's operators, unique in the job
     */
    public KafkaRejectedDocumentSink(KafkaSink<DeadLetter> deadLetters, DeadLetterBound bound, String name) {
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.bound = Objects.requireNonNull(bound, "bound");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank, expected a name unique in the job");
        }
        this.name = name;
    }

    @Override
    public void addTo(DataStream<RejectedDocument> rejections) {
        rejections.map(new ToDeadLetter(bound))
                .returns(TypeInformation.of(DeadLetter.class))
                .name(name + "-as-dead-letters").uid(name + "-as-dead-letters")
                .sinkTo(deadLetters)
                .name(name).uid(name);
    }

    /** A rejection as a dead letter of stage SINK. */
    private static final class ToDeadLetter implements MapFunction<RejectedDocument, DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final DeadLetterBound bound;
        private transient Clock clock;

        ToDeadLetter(DeadLetterBound bound) {
            this.bound = bound;
        }

        @Override
        public DeadLetter map(RejectedDocument rejected) {
            if (clock == null) {
                clock = Clock.systemUTC();
            }
            return RejectedDeadLetters.of(rejected, bound, clock);
        }
    }
}
