package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The destination of documents Elasticsearch rejects permanently, typically a dead-letter topic.
 *
 * <p>Each sink writer creates its own handler from the {@link Factory} and calls it only from the
 * task thread, so implementations need not be thread-safe. The writer calls {@link #flush()} at
 * every checkpoint after its bulk requests are done: once it returns, every rejection handed over
 * so far must be durable. An exception from any method fails the job.
 */
public interface RejectedDocumentHandler extends AutoCloseable {

    /** Prepares the handler; called once, before the first {@link #accept}. */
    void open(WriterInitContext context) throws Exception;

    /** Takes one rejected document; it will not be retried. */
    void accept(RejectedDocument rejected) throws Exception;

    /** Makes every accepted rejection durable before returning. */
    void flush() throws Exception;

    /** Releases what the handler holds; called once, also when the job fails. */
    @Override
    void close() throws Exception;

    /** The serializable recipe the sink ships to each writer to build its handler. */
    @FunctionalInterface
    interface Factory extends Serializable {

        /** A new, unopened handler for one writer. */
        RejectedDocumentHandler create();
    }
}
