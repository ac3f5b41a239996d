package io.textintel.operators.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Combining engine futures without losing the ability to cancel the requests behind them. */
final class Futures {

    private Futures() {}

    /**
     * The results of {@code parts} in order, failing with the first failure; cancelling the returned
     * future cancels every part still waiting.
     */
    static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> parts) {
        CompletableFuture<List<T>> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    List<T> results = new ArrayList<>(parts.size());
                    parts.forEach(part -> results.add(part.join()));
                    return results;
                });
        all.whenComplete((results, error) -> {
            if (all.isCancelled()) {
                parts.forEach(part -> part.cancel(false));
            }
        });
        return all;
    }
}
