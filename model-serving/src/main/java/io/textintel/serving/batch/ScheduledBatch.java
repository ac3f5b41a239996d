package io.textintel.serving.batch;

import java.util.List;
import java.util.Objects;

/**
 * A batch the scheduler chose for the next forward pass: the requests, in the order of the
 * sequences of {@code tokens}.
 *
 * @param requests the requests; request {@code i} is sequence {@code i} of {@code tokens}
 * @param tokens the laid-out token ids
 */
public record ScheduledBatch(List<InferenceRequest> requests, TokenBatch tokens) {

    public ScheduledBatch {
        requests = List.copyOf(requests);
        Objects.requireNonNull(tokens, "tokens");
        if (requests.size() != tokens.size()) {
            throw new IllegalStateException("batch has " + requests.size() + " requests but " + tokens.size()
                    + " sequences. This is a bug.");
        }
    }

    /** Whether any request asks for {@code task}. */
    public boolean contains(InferenceRequest.Task task) {
        for (InferenceRequest request : requests) {
            if (request.task() == task) {
                return true;
            }
        }
        return false;
    }
}
