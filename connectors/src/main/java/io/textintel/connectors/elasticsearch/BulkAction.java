package io.textintel.connectors.elasticsearch;

import java.nio.charset.StandardCharsets;

/**
 * One index action waiting in the writer: where the document goes, its bytes, and how often it
 * has been retried.
 *
 * @param index the target index
 * @param id the document id
 * @param source the JSON source
 * @param retries how many times this action has been sent again after a retriable failure
 */
record BulkAction(String index, String id, byte[] source, int retries) {

    /** Bytes of the action and metadata line around the source in the bulk body, roughly. */
    private static final int ACTION_LINE_OVERHEAD = 40;

    /** The approximate size of this action in a bulk request body. */
    long sizeInBytes() {
        return source.length
                + ACTION_LINE_OVERHEAD
                + index.getBytes(StandardCharsets.UTF_8).length
                + id.getBytes(StandardCharsets.UTF_8).length;
    }

    /** This action, counted as retried once more. */
    BulkAction retried() {
        return new BulkAction(index, id, source, retries + 1);
    }
}
