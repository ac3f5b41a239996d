package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The async operator's result handle in tests: collects what the inference function completes with. */
final class CollectingResultFuture implements ResultFuture<InferenceOutcome> {
    private final CompletableFuture<Collection<InferenceOutcome>> result = new CompletableFuture<>();

    @Override
    public void complete(Collection<InferenceOutcome> outcomes) {
        result.complete(List.copyOf(outcomes));
    }

    @Override
    public void complete(CollectionSupplier<InferenceOutcome> supplier) {
        try {
            complete(supplier.get());
        } catch (Exception e) {
            completeExceptionally(e);
        }
    }

    @Override
    public void completeExceptionally(Throwable error) {
        result.completeExceptionally(error);
    }

    /** The one outcome, within a minute. */
    InferenceOutcome single() throws Exception {
        Collection<InferenceOutcome> outcomes = result.get(60, TimeUnit.SECONDS);
        assertThat(outcomes).hasSize(1);
        return outcomes.iterator().next();
    }
}
