package io.textintel.serving.generate;

import java.util.Arrays;

/**
 * A snapshot of a generation scheduler's counters since it started, and of the constrained
 * (label) decoding run beside it on the same model, which the scheduler does not see.
 *
 * @param requests requests accepted
 * @param completed requests that finished with a result
 * @param cancelled requests dropped because their caller cancelled them
 * @param failed requests completed exceptionally (a failed forward pass, or close)
 * @param steps forward passes run
 * @param prefillTokens prompt (and recomputed) tokens computed
 * @param generatedTokens tokens generated
 * @param preemptions times a running sequence lost its KV blocks and was requeued to recompute
 * @param verifySteps sequence-steps that verified at least one draft token (speculated)
 * @param draftProposed draft tokens proposed
 * @param draftAccepted draft tokens accepted
 * @param running sequences running now
 * @param waiting sequences waiting now
 * @param freeKvBlocks KV cache blocks free now
 * @param forwardNanos time spent in forward passes
 * @param unspeculatedSteps decode sequence-steps of requests with speculation on that ran without
 *     drafts (the policy stood down, the proposer had nothing, or the cache or budget was short)
 * @param offForBatchSize of those, steps where the policy stood down because the batch was too large
 * @param offForAcceptance of those, steps where the policy stood down for low acceptance
 * @param draftLengths {@code [γ max + 1]}: decode sequence-steps of speculating requests by the draft
 *     length the policy chose (index 0: none)
 * @param constrainedVerifySteps target passes that verified a draft of a constrained answer (generative
 *     tagging with a draft model), outside the scheduler; not in {@code steps} or {@code verifySteps}
 * @param constrainedDraftProposed draft tokens proposed for constrained answers; not in {@code draftProposed}
 * @param constrainedDraftAccepted of those, the ones accepted; not in {@code draftAccepted}
 */
public record GenerationMetrics(long requests, long completed, long cancelled, long failed, long steps,
        long prefillTokens, long generatedTokens, long preemptions, long verifySteps, long draftProposed,
        long draftAccepted, int running, int waiting, int freeKvBlocks, long forwardNanos, long unspeculatedSteps,
        long offForBatchSize, long offForAcceptance, long[] draftLengths, long constrainedVerifySteps,
        long constrainedDraftProposed, long constrainedDraftAccepted) {

    public GenerationMetrics {
        draftLengths = draftLengths.clone();
    }

    /** The scheduler's counters, with no constrained decoding counted. */
    public GenerationMetrics(long requests, long completed, long cancelled, long failed, long steps,
            long prefillTokens, long generatedTokens, long preemptions, long verifySteps, long draftProposed,
            long draftAccepted, int running, int waiting, int freeKvBlocks, long forwardNanos, long unspeculatedSteps,
            long offForBatchSize, long offForAcceptance, long[] draftLengths) {
        this(requests, completed, cancelled, failed, steps, prefillTokens, generatedTokens, preemptions, verifySteps,
                draftProposed, draftAccepted, running, waiting, freeKvBlocks, forwardNanos, unspeculatedSteps,
                offForBatchSize, offForAcceptance, draftLengths, 0L, 0L, 0L);
    }

    /** These counters with the constrained decoding's counters set to the given ones. */
    public GenerationMetrics withConstrained(long constrainedSteps, long constrainedProposed, long constrainedAccepted) {
        return new GenerationMetrics(requests, completed, cancelled, failed, steps, prefillTokens, generatedTokens,
                preemptions, verifySteps, draftProposed, draftAccepted, running, waiting, freeKvBlocks,
                forwardNanos, unspeculatedSteps, offForBatchSize, offForAcceptance, draftLengths, constrainedSteps,
                constrainedProposed, constrainedAccepted);
    }

    @Override
    public long[] draftLengths() {
        return draftLengths.clone();
    }

    /** Accepted over proposed draft tokens; 0 when none were proposed. */
    public double acceptanceRate() {
        return draftProposed == 0 ? 0.0 : (double) draftAccepted / draftProposed;
    }

    /** Draft tokens accepted per verification step of one sequence. */
    public double acceptedPerVerifyStep() {
        return verifySteps == 0 ? 0.0 : (double) draftAccepted / verifySteps;
    }

    /** Accepted over proposed draft tokens of constrained answers; 0 when none were proposed. */
    public double constrainedAcceptanceRate() {
        return constrainedDraftProposed == 0 ? 0.0 : (double) constrainedDraftAccepted / constrainedDraftProposed;
    }

    /** Draft tokens proposed, for generation and constrained answers together. */
    public long draftTokensProposed() {
        return draftProposed + constrainedDraftProposed;
    }

    /** Draft tokens accepted, for generation and constrained answers together. */
    public long draftTokensAccepted() {
        return draftAccepted + constrainedDraftAccepted;
    }

    /**
     * Accepted over proposed draft tokens, generation and constrained answers together; 0 before any
     * draft was proposed.
     */
    public double speculationAcceptance() {
        long proposed = draftTokensProposed();
        return proposed == 0 ? 0.0 : (double) draftTokensAccepted() / proposed;
    }

    /** Generated tokens per second spent in forward passes. */
    public double tokensPerSecond() {
        return forwardNanos == 0 ? 0.0 : generatedTokens * 1e9 / forwardNanos;
    }

    /** The mean draft length the policy chose over decode steps of speculating requests, zeros included. */
    public double meanDraftLength() {
        long count = 0;
        long sum = 0;
        for (int gamma = 0; gamma < draftLengths.length; gamma++) {
            count += draftLengths[gamma];
            sum += gamma * draftLengths[gamma];
        }
        return count == 0 ? 0.0 : (double) sum / count;
    }

    @Override
    public String toString() {
        return "GenerationMetrics[requests=" + requests + ", completed=" + completed + ", cancelled=" + cancelled
                + ", failed=" + failed + ", steps=" + steps + ", prefillTokens=" + prefillTokens
                + ", generatedTokens=" + generatedTokens + ", preemptions=" + preemptions + ", verifySteps="
                + verifySteps + ", unspeculatedSteps=" + unspeculatedSteps + ", offForBatchSize=" + offForBatchSize
                + ", offForAcceptance=" + offForAcceptance + ", draftProposed=" + draftProposed + ", draftAccepted="
                + draftAccepted + ", draftLengths=" + Arrays.toString(draftLengths) + ", running=" + running
                + ", waiting=" + waiting + ", freeKvBlocks=" + freeKvBlocks + ", forwardNanos=" + forwardNanos
                + ", constrainedVerifySteps=" + constrainedVerifySteps + ", constrainedDraftProposed="
                + constrainedDraftProposed + ", constrainedDraftAccepted=" + constrainedDraftAccepted + "]";
    }
}
