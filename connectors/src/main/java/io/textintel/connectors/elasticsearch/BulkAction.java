package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One index action waiting in the writer: where the document goes, its bytes, how often it has
 * been retried and since when it fails.
 *
 * @param index the target index
 * @param id the document id
 * @param source the JSON source
 * @param retries how many times this action has been sent again after a failure
 * @param firstFailureNanos {@link System#nanoTime()} of its first failure; meaningless while
 *     {@code retries} is 0
 */
record BulkAction(String index, String id, byte[] source, int retries, long firstFailureNanos) {

    /** A new action that has not failed yet. */
    BulkAction(String index, String id, byte[] source) {
        this(index, id, source, 0, 0L);
    }

    /** One bulk request that indexes each of {@code actions} under its id, its source sent as it is. */
    static BulkRequest bulkRequest(List<BulkAction> actions) {
        List<BulkOperation> operations = new ArrayList<>(actions.size());
        for (BulkAction action : actions) {
            BinaryData source = BinaryData.of(action.source(), ContentType.APPLICATION_JSON);
            operations.add(BulkOperation.of(operation -> operation.index(
                    index -> index.index(action.index()).id(action.id()).document(source))));
        }
        return BulkRequest.of(bulk -> bulk.operations(operations));
    }

    /** Bytes of the action and metadata line around the source in the bulk body, roughly. */
    private static final int ACTION_LINE_OVERHEAD = 40;

    /** The approximate size of this action in a bulk request body. */
    long sizeInBytes() {
        return source.length
                + ACTION_LINE_OVERHEAD
                + index.getBytes(StandardCharsets.UTF_8).length
                + id.getBytes(StandardCharsets.UTF_8).length;
    }

    /** This action after one more failure at {@code nowNanos}, counted as retried once more. */
    BulkAction retried(long nowNanos) {
        return new BulkAction(index, id, source, retries + 1, retries == 0 ? nowNanos : firstFailureNanos);
    }

    /** How long this action has been failing, as of {@code nowNanos}; zero before its first failure. */
    long failingForNanos(long nowNanos) {
        return retries == 0 ? 0L : nowNanos - firstFailureNanos;
    }
}
