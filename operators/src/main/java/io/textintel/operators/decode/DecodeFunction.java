package io.textintel.operators.decode;

import io.textintel.operators.DeadLetterCounters;
import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.InputFormat;
import io.textintel.schemas.codec.RecordDecodeException;
import io.textintel.schemas.codec.RecordRejectedException;
import io.textintel.schemas.codec.TextRecordDecoder;
import io.textintel.schemas.codec.TextRecordNormalizer;
import io.textintel.schemas.codec.TextRecordValidator;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Objects;

/**
 * Decodes raw Kafka values into {@link TextRecord}s, repairs them ({@link TextRecordNormalizer}) and
 * validates them; everything else becomes a dead letter on the {@link DeadLetters#TAG} side output,
 * with the original bytes, the reason and the record's id whenever it could be read.
 *
 * <p>A record without an event time takes its Kafka timestamp. A plain-text record, and a JSON record
 * without an id, takes the id {@code topic-partition-offset}, which is stable across replays.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, DecodedRecord> {

    private final InputFormat format;
    private final TextRecordValidator validator;
    private final TextRecordNormalizer normalizer;

    private transient TextRecordDecoder decoder;
    private transient Counter decoded;
    private transient Counter rejected;
    private transient DeadLetterCounters deadLetters;
    private transient Clock clock;

    /** Decodes {@code format}, strips control characters, and validates with {@code validator}. */
    public DecodeFunction(InputFormat format, TextRecordValidator validator) {
        this(format, TextRecordNormalizer.defaults(), validator);
    }

    public DecodeFunction(InputFormat format, TextRecordNormalizer normalizer, TextRecordValidator validator) {
        this.format = Objects.requireNonNull(format, "format");
        this.normalizer = Objects.requireNonNull(normalizer, "normalizer");
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = TextRecordDecoder.forFormat(format);
        decoded = getRuntimeContext().getMetricGroup().counter("recordsDecoded");
        rejected = getRuntimeContext().getMetricGroup().counter("decodeDeadLetters");
        deadLetters = new DeadLetterCounters(getRuntimeContext().getMetricGroup(), DeadLetterReason.UNDECODABLE,
                DeadLetterReason.DECODER_FAILURE, DeadLetterReason.INVALID);
        clock = Clock.systemUTC();
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<DecodedRecord> out) {
        KafkaProvenance provenance = raw.getProvenance();
        byte[] payload = raw.getValue() == null ? null : bytes(raw.getValue());
        TextRecord record = null;
        try {
            record = normalizer.normalize(decoder.decode(payload, derivedId(provenance)));
            validator.validate(record);
        } catch (RecordDecodeException e) {
            reject(ctx, payload, DeadLetterReason.UNDECODABLE, e.getMessage(), e.recordId(), provenance);
            return;
        } catch (RecordRejectedException e) {
            reject(ctx, payload, DeadLetterReason.INVALID, e.getMessage(),
                    record == null ? null : record.getId(), provenance);
            return;
        } catch (RuntimeException e) {
            // A decoder bug must not stop the stream: keep the input and say what happened.
            reject(ctx, payload, DeadLetterReason.DECODER_FAILURE,
                    "unexpected " + format.configName() + " decoding failure: " + DeadLetters.reasonOf(e),
                    record == null ? null : record.getId(), provenance);
            return;
        }
        if (record.getEventTime() == null) {
            record.setEventTime(provenance.getTimestamp());
        }
        decoded.inc();
        out.collect(new DecodedRecord(record, provenance));
    }

    private void reject(Context ctx, byte[] payload, DeadLetterReason code, String reason,
            String recordId, KafkaProvenance provenance) {
        rejected.inc();
        deadLetters.count(code);
        ctx.output(DeadLetters.TAG, DeadLetters.of(payload, code, reason, recordId, provenance, clock));
    }

    /** The id of a record whose format carries none: stable for a Kafka position, so replays overwrite. */
    static String derivedId(KafkaProvenance provenance) {
        return provenance.getTopic() + "-" + provenance.getPartition() + "-" + provenance.getOffset();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
