package io.textintel.connectors.elasticsearch;

import java.io.Serializable;

/**
 * A mapping from a stream element to the Elasticsearch document that represents it.
 *
 * <p>The document id must be a deterministic function of the element, so that an element replayed
 * after a failure overwrites its earlier copy instead of adding a duplicate. Implementations are
 * shipped to the task managers and called on the task thread of one writer at a time.
 *
 * @param <T> the element type
 */
@FunctionalInterface
public interface DocumentSerializer<T> extends Serializable {

    /**
     * Maps one element to its id and JSON source.
     *
     * @throws IllegalArgumentException naming the value when the element cannot be represented
     */
    ElasticsearchDocument serialize(T element);
}
