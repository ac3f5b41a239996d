package io.textintel.connectors.elasticsearch;

import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rejected-document handler that logs each rejection and counts it in the writer's
 * {@value #COUNTER} counter, for a sink whose rejections have nowhere else to go: the sink that
 * indexes dead letters, whose rejections must neither become dead letters again (a loop) nor fail
 * the job (a crash loop on one unindexable document). The dead letter itself is on the Kafka topic
 * already, so nothing is lost.
 */
public final class LoggedRejectedDocumentHandler implements RejectedDocumentHandler {

    /** Name of the counter of rejected documents, in the sink writer's metric group. */
    public static final String COUNTER = "numRecordsRejectedAndDropped";

    private static final Logger LOG = LoggerFactory.getLogger(LoggedRejectedDocumentHandler.class);

    private Counter rejected;

    /** The factory the sink ships to its writers. */
    public static Factory factory() {
        return LoggedRejectedDocumentHandler::new;
    }

    @Override
    public void open(WriterInitContext context) {
        rejected = context.metricGroup().counter(COUNTER);
    }

    @Override
    public void accept(RejectedDocument document) {
        rejected.inc();
        LOG.warn("Dropped {}; it is still on the Kafka dead-letter topic", document.message());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
