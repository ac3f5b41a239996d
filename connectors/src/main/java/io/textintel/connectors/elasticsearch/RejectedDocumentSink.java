package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Where an {@link ElasticsearchSink} publishes the documents the cluster rejects for good when each
 * rejection must be published exactly once, typically a transactional Kafka sink of dead letters.
 *
 * <p>Unlike a {@link RejectedDocumentHandler}, which the writer calls as rejections arrive, this is
 * a part of the job graph: {@link ElasticsearchSink#addTo} attaches it behind the sink's writer. The
 * writer hands on the rejections it collected at each checkpoint, before the checkpoint's barrier,
 * so they belong to that checkpoint's epoch downstream as well: a transactional sink commits them
 * with the checkpoint, and after a failure the uncommitted ones are aborted and replayed with the
 * documents that caused them. See {@link ElasticsearchSink}.
 */
@FunctionalInterface
public interface RejectedDocumentSink extends Serializable {

    /**
     * Adds the operators that publish {@code rejections}, ending in a sink; called once, while the
     * job graph is built, with a stream of the sink writer's parallelism.
     *
     * @param rejections every document rejected for good, once per checkpoint epoch
     */
    void addTo(DataStream<RejectedDocument> rejections);
}
