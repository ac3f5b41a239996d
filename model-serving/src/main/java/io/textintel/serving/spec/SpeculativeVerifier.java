package io.textintel.serving.spec;

import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;

/**
 * Decides how much of a draft the target model keeps, so that speculative decoding produces
 * exactly the tokens (greedy) or exactly the distribution (sampled) of plain decoding.
 *
 * <p>Greedy: the longest prefix of the draft equal to the target's argmax at each position; then
 * the target's argmax where they first differ, or after the last draft token (the bonus).
 *
 * <p>Sampled (Leviathan et al. 2023, Chen et al. 2023): with {@code p} the target's distribution
 * after temperature, top-k and top-p (what plain sampling would draw from) and {@code q} the
 * distribution the draft token {@code x} was drawn from, {@code x} is accepted with probability
 * {@code min(1, p(x) / q(x))}; at the first rejection the next token is drawn from
 * {@code norm(max(0, p - q))}; when all are accepted the bonus is drawn from {@code p} of the
 * position after the last draft token. Each emitted token is then distributed exactly as {@code p}.
 * Deterministic proposals have {@code q} one-hot, so a draft token is accepted with probability
 * {@code p(x)}. Draws: one uniform per examined draft token and one for the next token, all from
 * the request's own {@link SequenceRandom}. The request's suppressed tokens have {@code p = 0}
 * (greedy: they are never the target's argmax), so a draft of one is always rejected.
 */
public final class SpeculativeVerifier {

    private SpeculativeVerifier() {
    }

    /**
     * @param targetLogits {@code [proposal.size() + 1][vocab]}: the target's logits at the last
     *     context token and at each draft token
     */
    public static Verification verify(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        int k = proposal.size();
        if (targetLogits.length != k + 1) {
            throw new IllegalArgumentException("target logits have " + targetLogits.length
                    + " rows for a proposal of " + k + " tokens, expected " + (k + 1)
                    + " (the last context token and each draft token)");
        }
        Verification rejected = examine(proposal, targetLogits, params, random);
        return rejected != null ? rejected
                : new Verification(k, Sampler.sample(targetLogits[k], params, random)); // the bonus
    }

    /**
     * Verifies a draft whose last token finishes the output (the end token of a constrained answer),
     * so that nothing may follow it: as {@link #verify}, but when every draft token is accepted there
     * is no bonus token to draw, and no logits after the last draft token to draw it from. The draws
     * are those of {@link #verify} without the bonus's.
     *
     * @param targetLogits {@code [proposal.size()][vocab]}: the target's logits at the last context
     *     token and at each draft token but the last
     * @return the verification; its next token is {@link Verification#NONE} when every draft token was accepted
     */
    public static Verification verifyFinishing(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        int k = proposal.size();
        if (k == 0 || targetLogits.length != k) {
            throw new IllegalArgumentException("target logits have " + targetLogits.length
                    + " rows for a finishing proposal of " + k + " tokens, expected " + k
                    + " >= 1 (the last context token and each draft token but the last)");
        }
        Verification rejected = examine(proposal, targetLogits, params, random);
        return rejected != null ? rejected : new Verification(k, Verification.NONE);
    }

    /** The verification at the first rejected draft token, or null when every draft token is accepted. */
    private static Verification examine(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        return params.isGreedy() ? greedy(proposal, targetLogits, params, random)
                : sampled(proposal, targetLogits, params, random);
    }

    private static Verification greedy(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        int[] draft = proposal.tokens();
        for (int i = 0; i < draft.length; i++) {
            int target = Sampler.sample(targetLogits[i], params, random); // greedy: the argmax, no draw
            if (target != draft[i]) {
                return new Verification(i, target);
            }
        }
        return null;
    }

    private static Verification sampled(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        int[] draft = proposal.tokens();
        for (int i = 0; i < draft.length; i++) {
            float[] p = Sampler.distribution(targetLogits[i], params); // [vocab]
            int x = draft[i];
            double px = x >= 0 && x < p.length ? p[x] : 0.0;
            double qx = proposal.q(i, x);
            if (!(qx > 0)) {
                throw new IllegalArgumentException("draft token " + x + " at draft position " + i + " has q(x) = " + qx
                        + ", expected > 0: a proposer proposes only tokens its distribution can produce");
            }
            if (random.nextUniform() * qx < px) { // u < p(x) / q(x): accepted with probability min(1, p/q)
                continue;
            }
            return new Verification(i, Sampler.inverseCdf(residual(p, proposal, i), random.nextUniform()));
        }
        return null;
    }

    /**
     * {@code max(0, p - q)} (unnormalised; {@link Sampler#inverseCdf} scales by its sum). After a
     * rejection it has positive mass, since {@code p(x) < q(x)} for the rejected {@code x}; should
     * rounding leave none, {@code p} itself is the right fallback (then {@code p == q}).
     */
    private static float[] residual(float[] p, Proposal proposal, int index) {
        float[] r = new float[p.length]; // [vocab]
        double mass = 0;
        float[] q = proposal.distributions() == null ? null : proposal.distributions()[index];
        int token = proposal.tokens()[index];
        for (int j = 0; j < p.length; j++) {
            double qj = q == null ? (j == token ? 1.0 : 0.0) : (j < q.length ? q[j] : 0.0);
            r[j] = (float) Math.max(0.0, p[j] - qj);
            mass += r[j];
        }
        return mass > 0 ? r : p;
    }
}
