package io.textintel.connectors.deadletter;

import io.textintel.connectors.elasticsearch.RejectedDocument;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.codec.DeadLetterBound;

import java.nio.ByteBuffer;
import java.time.Clock;

/** How a document Elasticsearch rejected for good becomes a dead letter. */
final class RejectedDeadLetters {

    private RejectedDeadLetters() {}

    /**
     * A dead letter of stage SINK, with the rejection's {@link RejectedDocument#reasonCode code},
     * whose bytes are the refused JSON source, within {@code bound}.
     */
    static DeadLetter of(RejectedDocument rejected, DeadLetterBound bound, Clock clock) {
        return bound.apply(DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap(rejected.source()))
                .setStage(rejected.reasonCode().stage())
                .setReason(rejected.message())
                .setReasonCode(rejected.reasonCode().code())
                .setRecordId(rejected.id())
                .setProvenance(null)
                .setTime(clock.instant())
                .build());
    }
}
