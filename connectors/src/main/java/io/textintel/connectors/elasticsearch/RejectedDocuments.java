package io.textintel.connectors.elasticsearch;

import java.util.List;
import java.util.Objects;

/**
 * The documents one sink writer saw rejected for good between two checkpoints: the committable the
 * writer hands on at each checkpoint when the sink publishes rejections through a
 * {@link RejectedDocumentSink}.
 *
 * @param documents the rejections in the order the cluster answered them
 */
public record RejectedDocuments(List<RejectedDocument> documents) {

    /** No rejections: what reaches the committer, which has nothing left to do. */
    public static final RejectedDocuments NONE = new RejectedDocuments(List.of());

    public RejectedDocuments {
        documents = List.copyOf(Objects.requireNonNull(documents, "documents"));
    }

    /** Whether there are no rejections. */
    public boolean isEmpty() {
        return documents.isEmpty();
    }
}
