package io.textintel.connectors.elasticsearch;

import java.time.Duration;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
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
 *
 * <p>Outages and throttling: {@code batchesAwaitingRetry} (gauge: batches waiting for their
 * backoff; bounded by the max in-flight requests, since writes wait while they do),
 * {@code numBulkRetries} (batches scheduled for a retry), {@code numThrottledDocuments} (documents
 * answered 429, per item or for a whole request), {@code numBlockedDocuments} (documents refused
 * for want of a privilege or an index: 401, 403, 404 {@code index_not_found_exception}; held and
 * retried, never rejected), {@code currentOutageMs} (gauge: length of the current outage, 0 when
 * none), {@code outageTimeMs} (gauge: time spent in outages since the writer opened) and
 * {@code numOutages}.
 */
final class ElasticsearchWriterMetrics {

    static final String NUM_BULK_REQUESTS = "numBulkRequests";
    static final String NUM_RETRIED_DOCUMENTS = "numRetriedDocuments";
    static final String NUM_REJECTED_DOCUMENTS = "numRejectedDocuments";
    static final String DOCUMENTS_OVERWRITTEN = "documentsOverwritten";
    static final String BATCHES_AWAITING_RETRY = "batchesAwaitingRetry";
    static final String NUM_BULK_RETRIES = "numBulkRetries";
    static final String NUM_THROTTLED_DOCUMENTS = "numThrottledDocuments";
    static final String NUM_BLOCKED_DOCUMENTS = "numBlockedDocuments";
    static final String CURRENT_OUTAGE_MS = "currentOutageMs";
    static final String OUTAGE_TIME_MS = "outageTimeMs";
    static final String NUM_OUTAGES = "numOutages";

    private final Counter recordsSend;
    private final Counter bytesSend;
    private final Counter recordsSendErrors;
    private final Counter recordsOutErrors;
    private final Counter bulkRequests;
    private final Counter retriedDocuments;
    private final Counter rejectedDocuments;
    private final Counter overwrittenDocuments;
    private final Counter bulkRetries;
    private final Counter throttledDocuments;
    private final Counter blockedDocuments;
    private final Counter outages;
    private volatile long lastSendTimeMillis;

    /**
     * Registers the metrics.
     *
     * @param batchesAwaitingRetry read by the gauge of the same name
     * @param outage read by the outage gauges
     */
    ElasticsearchWriterMetrics(SinkWriterMetricGroup group, IntSupplier batchesAwaitingRetry, OutageTracker outage) {
        this.recordsSend = group.getNumRecordsSendCounter();
        this.bytesSend = group.getNumBytesSendCounter();
        this.recordsSendErrors = group.getNumRecordsSendErrorsCounter();
        this.recordsOutErrors = group.getNumRecordsOutErrorsCounter();
        this.bulkRequests = group.counter(NUM_BULK_REQUESTS);
        this.retriedDocuments = group.counter(NUM_RETRIED_DOCUMENTS);
        this.rejectedDocuments = group.counter(NUM_REJECTED_DOCUMENTS);
        this.overwrittenDocuments = group.counter(DOCUMENTS_OVERWRITTEN);
        this.bulkRetries = group.counter(NUM_BULK_RETRIES);
        this.throttledDocuments = group.counter(NUM_THROTTLED_DOCUMENTS);
        this.blockedDocuments = group.counter(NUM_BLOCKED_DOCUMENTS);
        this.outages = group.counter(NUM_OUTAGES);
        group.gauge(BATCHES_AWAITING_RETRY, (Gauge<Integer>) batchesAwaitingRetry::getAsInt);
        group.gauge(CURRENT_OUTAGE_MS, (Gauge<Long>) outage::currentOutageMillis);
        group.gauge(OUTAGE_TIME_MS, (Gauge<Long>) outage::totalOutageMillis);
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

    /** A batch of documents that failed and is sent again after a backoff. */
    void batchRetried(int documents) {
        bulkRetries.inc();
        retriedDocuments.inc(documents);
        recordsSendErrors.inc(documents);
    }

    /** Documents answered 429. */
    void documentsThrottled(int count) {
        throttledDocuments.inc(count);
    }

    /** Documents refused for want of a privilege or an index. */
    void documentsBlocked(int count) {
        blockedDocuments.inc(count);
    }

    /** An outage started. */
    void outageStarted() {
        outages.inc();
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
