package io.textintel.connectors.elasticsearch;

import java.io.Serializable;

/**
 * A choice of the index (or alias, or data stream) each element is written to.
 *
 * <p>For example, a monthly index by event time: {@code doc -> "textintel-documents-" + month(doc)}.
 * The name must match an installed index template for the mapping to apply.
 *
 * @param <T> the element type
 */
@FunctionalInterface
public interface IndexFunction<T> extends Serializable {

    /** The index name for this element; never null or empty. */
    String indexFor(T element);
}
