package io.textintel.serving.spec;

/**
 * Chooses how many draft tokens to propose from the acceptance rate observed so far, and stands
 * speculation down where it would not pay.
 *
 * <p>Model (Leviathan et al. 2023): each draft token is accepted independently with probability
 * {@code α} until the first rejection, so a step with {@code γ} draft tokens emits on average
 * {@link #expectedTokens E(α, γ) = (1 − α^(γ+1)) / (1 − α)} tokens (accepted drafts plus the
 * target's next token) and costs {@code 1 + v + c·γ} target passes, {@code c} the relative cost of a
 * draft step and {@code v} the {@link SpeculationOptions#verifyPassCost fixed extra cost} of a
 * verification pass. γ maximises {@code E / (1 + v + c·γ)}; γ = 0 (no speculation, 1 token per pass) wins
 * when α is too low for the cost.
 *
 * <p>α is estimated as accepted / examined draft tokens (the maximum-likelihood estimate under the
 * model: a step that accepted {@code a} of {@code k} examined {@code a + 1} tokens when it rejected
 * one, {@code k} when it took all), both counts exponentially smoothed.
 *
 * <p>One instance per sequence or per engine, as the caller prefers. Not thread-safe.
 */
public final class AdaptiveDraftLength {

    private final SpeculationOptions options;
    private final int maxDraftTokens;
    private double accepted;
    private double examined;
    private long verifications;
    private long stepsOff;

    /** @param maxDraftTokens the longest draft it may choose (the engine's cap on γ), at least 0 */
    public AdaptiveDraftLength(SpeculationOptions options, int maxDraftTokens) {
        if (maxDraftTokens < 0) {
            throw new IllegalArgumentException("maxDraftTokens is " + maxDraftTokens + ", expected >= 0");
        }
        this.options = options;
        this.maxDraftTokens = maxDraftTokens;
    }

    /** Expected tokens emitted by one step with γ draft tokens at per-token acceptance α. */
    public static double expectedTokens(double alpha, int gamma) {
        if (!(alpha >= 0 && alpha <= 1) || gamma < 0) {
            throw new IllegalArgumentException("acceptance " + alpha + " and draft length " + gamma
                    + ", expected 0 <= acceptance <= 1 and draft length >= 0");
        }
        if (alpha == 1) {
            return gamma + 1;
        }
        return (1 - Math.pow(alpha, gamma + 1)) / (1 - alpha);
    }

    /** The draft length in 0..maxGamma maximising tokens per unit of cost; the shorter on a tie. */
    public static int bestDraftLength(double alpha, int maxGamma, double draftStepCost) {
        return bestDraftLength(alpha, maxGamma, draftStepCost, 0.0);
    }

    /**
     * The draft length in 0..maxGamma maximising tokens per unit of cost, a step with γ > 0 drafts
     * costing {@code 1 + verifyPassCost + draftStepCost·γ} decode passes; the shorter on a tie.
     */
    public static int bestDraftLength(double alpha, int maxGamma, double draftStepCost, double verifyPassCost) {
        int best = 0;
        double bestRate = 1.0; // γ = 0: one token per target pass
        for (int gamma = 1; gamma <= maxGamma; gamma++) {
            double rate = expectedTokens(alpha, gamma) / (1 + verifyPassCost + draftStepCost * gamma);
            if (rate > bestRate * (1 + 1e-12)) {
                best = gamma;
                bestRate = rate;
            }
        }
        return best;
    }

    /** Records one verification: {@code proposed} draft tokens, of which the first {@code accepted} were kept. */
    public void record(int proposed, int accepted) {
        if (proposed < 0 || accepted < 0 || accepted > proposed) {
            throw new IllegalArgumentException("verification accepted " + accepted + " of " + proposed
                    + " draft tokens, expected 0 <= accepted <= proposed");
        }
        if (proposed == 0) {
            return;
        }
        int tried = accepted < proposed ? accepted + 1 : proposed;
        this.accepted = options.smoothing() * this.accepted + accepted;
        this.examined = options.smoothing() * this.examined + tried;
        verifications++;
    }

    /** The smoothed acceptance rate; the prior until something was observed. */
    public double acceptanceRate() {
        return examined > 0 ? accepted / examined : options.priorAcceptance();
    }

    /** Verifications recorded so far. */
    public long verifications() {
        return verifications;
    }

    /**
     * Draft tokens to propose this step, 0 for none: 0 above the batch-size limit; 0 while the
     * acceptance rate (after warm-up) is under the floor or too low to pay for the draft, except
     * one-token probes every {@code probeInterval} steps; otherwise the best length.
     *
     * @param batchSize sequences in this step's forward pass
     */
    public int draftLength(int batchSize) {
        if (batchSize > options.maxBatchSize()) {
            return 0;
        }
        double alpha = acceptanceRate();
        boolean belowFloor = verifications >= options.warmupVerifications() && alpha < options.acceptanceFloor();
        int gamma = belowFloor ? 0 : bestDraftLength(alpha, maxDraftTokens, options.draftStepCost(),
                options.verifyPassCost());
        if (gamma > 0) {
            stepsOff = 0;
            return gamma;
        }
        stepsOff++;
        return stepsOff % options.probeInterval() == 0 ? 1 : 0;
    }
}
