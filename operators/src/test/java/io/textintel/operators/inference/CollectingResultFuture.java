package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The async operator's result handle in tests: hands the inference function's single completion to the
 * test, and fails loudly on a second one.
 */
final class CollectingResultFuture implements ResultFuture<InferenceOutcome> {
    private final CompletableFuture<Collection<InferenceOutcome>> result = new CompletableFuture<>();

    @Override
    public void complete(Collection<InferenceOutcome> outcomes) {
        if (!result.complete(List.copyOf(outcomes))) {
            throw new IllegalStateException("result completed twice, expected one completion per input");
        }
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
        if (!result.completeExceptionally(error)) {
            throw new IllegalStateException("result completed twice, expected one completion per input", error);
        }
    }

    /** The one outcome, waiting up to a minute; an exceptional completion is thrown as its ExecutionException. */
    InferenceOutcome single() throws Exception {
        Collection<InferenceOutcome> outcomes = result.get(60, TimeUnit.SECONDS);
        assertThat(outcomes).hasSize(1);
        return outcomes.iterator().next();
    }
}
