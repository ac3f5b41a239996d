package io.textintel.serving.generate;

import io.textintel.serving.spec.Speculation;
import java.util.concurrent.CompletableFuture;

/**
 * What the scheduler knows of every sequence it runs, whatever the request: its id in the
 * {@link io.textintel.serving.kv.PagedKvCache}, how many of its positions are cached, and the
 * caller's future. {@link GeneratingSequence} generates tokens; {@link ContinuationSequence} hands
 * logit rows to a {@link ContinuationDriver}. Owned by the scheduler thread.
 */
abstract class ScheduledSequence {

    final long id;
    /** Positions whose keys and values are in the KV cache. */
    int computed;

    ScheduledSequence(long id) {
        this.id = id;
    }

    /** The caller's future: done (cancelled, or failed from outside) means the caller has gone away. */
    abstract CompletableFuture<?> future();

    /** The speculation the sequence uses, {@link Speculation#NONE} when the proposer holds nothing for it. */
    abstract Speculation speculation();

    abstract int promptLength();

    /** Forgets what the KV cache held for it (the scheduler has freed its blocks); it recomputes from the start. */
    void preempted() {
        computed = 0;
    }

    /** Releases what the request holds outside the scheduler, when it leaves for any reason. */
    void released() {
    }

    final boolean abandoned() {
        return future().isDone();
    }
}
