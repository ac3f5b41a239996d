package io.textintel.connectors.elasticsearch;

import java.time.Duration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * The metrics of one Elasticsearch sink writer, registered in Flink's sink writer metric group.
 *
 * <p>Beyond Flink's standard sink metrics ({@code numRecordsSend}, {@code numBytesSend},
 * {@code numRecordsSendErrors}, {@code numRecordsOutErrors}, {@code currentSendTime}) it counts
 * bulk requests, retried documents, documents the cluster rejected for good, and documents that
 * replaced one with the same {@code _id} ({@code documentsOverwritten}: Elasticsearch answered
 * {@code updated}). Outside a replay after a restore from a checkpoint, where each replayed document
 * overwrites itself, an overwrite means two records share an id.
 */
final class ElasticsearchWriterMetrics {

    static final String NUM_BULK_REQUESTS = "numBulkRequests";
    static final String NUM_RETRIED_DOCUMENTS = "numRetriedDocuments";
    static final String NUM_REJECTED_DOCUMENTS = "numRejectedDocuments";
    static final String DOCUMENTS_OVERWRITTEN = "documentsOverwritten";

    private final Counter recordsSend;
    private final Counter bytesSend;
    private final Counter recordsSendErrors;
    private final Counter recordsOutErrors;
    private final Counter bulkRequests;
    private final Counter retriedDocuments;
    private final Counter rejectedDocuments;
    private final Counter overwrittenDocuments;
    private volatile long lastSendTimeMillis;

    ElasticsearchWriterMetrics(SinkWriterMetricGroup group) {
        this.recordsSend = group.getNumRecordsSendCounter();
        this.bytesSend = group.getNumBytesSendCounter();
        this.recordsSendErrors = group.getNumRecordsSendErrorsCounter();
        this.recordsOutErrors = group.getNumRecordsOutErrorsCounter();
        this.bulkRequests = group.counter(NUM_BULK_REQUESTS);
        this.retriedDocuments = group.counter(NUM_RETRIED_DOCUMENTS);
        this.rejectedDocuments = group.counter(NUM_REJECTED_DOCUMENTS);
        this.overwrittenDocuments = group.counter(DOCUMENTS_OVERWRITTEN);
        group.setCurrentSendTimeGauge(() -> lastSendTimeMillis);
    }

    void bulkRequestSent() {
        bulkRequests.inc();
    }

    /** A document the cluster acknowledged, with the size of its source. */
    void documentIndexed(long sourceBytes) {
        recordsSend.inc();
        bytesSend.inc(sourceBytes);
    }

    /** Documents that failed retriably and are sent again after a backoff. */
    void documentsRetried(int count) {
        retriedDocuments.inc(count);
        recordsSendErrors.inc(count);
    }

    /** A document that replaced an existing one with the same {@code _id}. */
    void documentOverwritten() {
        overwrittenDocuments.inc();
    }

    /** A document the cluster refused for good. */
    void documentRejected() {
        rejectedDocuments.inc();
        recordsOutErrors.inc();
    }

    /** The round trip of the latest bulk request, reported as {@code currentSendTime} in ms. */
    void recordSendTime(Duration sendTime) {
        lastSendTimeMillis = sendTime.toMillis();
    }
}
