package io.textintel.serving.spec;

import java.io.Serializable;
/**
 * How speculative decoding chooses its draft length and when it stands down. The longest draft is
 * not among these: it is the engine's one cap on γ, {@code GenerationConfig.maxDraftTokens}, which
 * the adaptive policy chooses under ({@link AdaptiveDraftLength}).
 *
 * @param draftStepCost cost of one draft step relative to one target forward pass: about 0 for
 *     prompt lookup, the parameter ratio (e.g. 0.05 to 0.2) for a draft model
 * @param maxBatchSize above this many sequences in a step, speculation is off: the target pass is
 *     then compute-bound and verifying extra positions is no longer nearly free
 * @param acceptanceFloor below this acceptance rate (after warm-up) speculation is off
 * @param warmupVerifications verifications observed before the floor applies
 * @param priorAcceptance acceptance rate assumed before anything is observed
 * @param smoothing weight kept by past observations at each new one, in [0, 1): an exponential
 *     moving average over roughly {@code 1 / (1 - smoothing)} verifications
 * @param probeInterval while off for low acceptance, every this-many-th step speculates one token
 *     anyway, so the rate can recover when the text changes
 * @param verifyPassCost extra cost of a verification pass over a decode pass whatever its length,
 *     relative to a decode pass: about 0 where a pass of a few tokens costs what a pass of one does
 *     (memory-bound, one kernel for both); more where more rows switch the target to a wider kernel
 *     or attention work grows. A step with γ drafts costs {@code 1 + verifyPassCost + draftStepCost·γ}.
 */
public record SpeculationOptions(double draftStepCost, int maxBatchSize, double acceptanceFloor,
        int warmupVerifications, double priorAcceptance, double smoothing, int probeInterval,
        double verifyPassCost) implements Serializable {

    private static final long serialVersionUID = 1L;


    /** Options without a fixed verification cost. */
    public SpeculationOptions(double draftStepCost, int maxBatchSize, double acceptanceFloor,
            int warmupVerifications, double priorAcceptance, double smoothing, int probeInterval) {
        this(draftStepCost, maxBatchSize, acceptanceFloor, warmupVerifications, priorAcceptance,
                smoothing, probeInterval, 0.0);
    }

    public SpeculationOptions {
        if (!(verifyPassCost >= 0) || Double.isInfinite(verifyPassCost)) {
            throw new IllegalArgumentException("verifyPassCost is " + verifyPassCost
                    + ", expected a finite value >= 0");
        }
        if (!(draftStepCost >= 0) || Double.isInfinite(draftStepCost)) {
            throw new IllegalArgumentException("draftStepCost is " + draftStepCost + ", expected a finite value >= 0");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize is " + maxBatchSize + ", expected >= 1");
        }
        if (!(acceptanceFloor >= 0 && acceptanceFloor <= 1)) {
            throw new IllegalArgumentException("acceptanceFloor is " + acceptanceFloor + ", expected 0..1");
        }
        if (warmupVerifications < 0) {
            throw new IllegalArgumentException("warmupVerifications is " + warmupVerifications + ", expected >= 0");
        }
        if (!(priorAcceptance >= 0 && priorAcceptance <= 1)) {
            throw new IllegalArgumentException("priorAcceptance is " + priorAcceptance + ", expected 0..1");
        }
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("smoothing is " + smoothing + ", expected 0 <= smoothing < 1");
        }
        if (probeInterval < 1) {
            throw new IllegalArgumentException("probeInterval is " + probeInterval + ", expected >= 1");
        }
    }

    /** Prompt lookup: free drafts. */
    public static SpeculationOptions promptLookup() {
        return new SpeculationOptions(0.0, 32, 0.1, 8, 0.5, 0.9, 16);
    }

    /** A draft model costing {@code draftStepCost} of a target pass. */
    public static SpeculationOptions draftModel(double draftStepCost) {
        return new SpeculationOptions(draftStepCost, 16, 0.2, 8, 0.7, 0.9, 16);
    }
}
