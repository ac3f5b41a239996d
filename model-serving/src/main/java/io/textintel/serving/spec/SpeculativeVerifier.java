package io.textintel.serving.spec;

import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;

/**
 * Decides how many draft tokens the target model accepts: exact match for greedy decoding, and
 * the rejection sampling of Leviathan et al. (2023) for sampled decoding, which keeps the output
 * distribution the target model's own.
 */
public final class SpeculativeVerifier {

    private SpeculativeVerifier() {}

    /**
     * @param targetLogits {@code [1 + drafts][vocab]}: the target's logits at the last context
     *     token and at each draft token; row {@code i} predicts the token after draft {@code i}
     */
    public static Verification verify(Proposal proposal, float[][] targetLogits, SamplingParams params,
            SequenceRandom random) {
        int drafts = proposal.size();
        if (targetLogits.length != drafts + 1) {
            throw new IllegalArgumentException("verification of " + drafts + " draft tokens got "
                    + targetLogits.length + " logit rows, expected " + (drafts + 1));
        }
        for (int i = 0; i < drafts; i++) {
            int draft = proposal.tokens()[i];
            if (params.isGreedy()) {
                int target = Sampler.sample(targetLogits[i], params, random);
                if (target != draft) {
                    return new Verification(i, target);
                }
                continue;
            }
            float[] p = Sampler.distribution(targetLogits[i], params); // [vocab]
            float q = proposal.distributions() == null ? 1f : proposal.distributions()[i][draft];
            if (random.nextUniform() * q < p[draft]) {
                continue; // accepted with probability min(1, p / q)
            }
            float[] residual = new float[p.length]; // [vocab] normalised max(p - q, 0)
            double sum = 0;
            for (int x = 0; x < p.length; x++) {
                float qx = proposal.distributions() == null ? (x == draft ? 1f : 0f) : proposal.distributions()[i][x];
                residual[x] = Math.max(p[x] - qx, 0f);
                sum += residual[x];
            }
            if (sum <= 0) {
                return new Verification(i, sampleFrom(p, random));
            }
            for (int x = 0; x < residual.length; x++) {
                residual[x] = (float) (residual[x] / sum);
            }
            return new Verification(i, sampleFrom(residual, random));
        }
        return new Verification(drafts, Sampler.sample(targetLogits[drafts], params, random));
    }

    private static int sampleFrom(float[] probabilities, SequenceRandom random) {
        double uniform = random.nextUniform();
        double cumulative = 0;
        int last = 0;
        for (int x = 0; x < probabilities.length; x++) {
            if (probabilities[x] > 0) {
                cumulative += probabilities[x];
                last = x;
                if (uniform < cumulative) {
                    return x;
                }
            }
        }
        return last;
    }
}
