package io.textintel.connectors.elasticsearch;

import java.util.List;

/**
 * The documents of one checkpoint epoch that a {@link CommittedIndexingSink} indexes when the
 * checkpoint completes.
 *
 * @param documents index, id and source of each document, in the order they were written
 */
record PendingDocuments(List<BulkAction> documents) {

    PendingDocuments {
        documents = List.copyOf(documents);
    }
}
