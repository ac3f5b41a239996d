package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpeculativeVerifierTest {

    /**
     * Significance of the goodness-of-fit tests: a correct verifier fails one with probability 1e-4
     * over the choice of seed. The seeds are fixed, so each run is deterministic and green.
     */
    private static final double ALPHA = 1e-4;
    private static final int DRAWS = 200_000;

    private static final SamplingParams GREEDY = SamplingParams.greedy(16, List.of());
    private static final SamplingParams SAMPLED = new SamplingParams(1f, 0, 1f, 2024L, 16, List.of());

    // target p and draft q per draft position, 6 tokens; p and q differ in both directions
    private static final double[][] P = {
        {0.30, 0.05, 0.25, 0.10, 0.20, 0.10},
        {0.10, 0.40, 0.05, 0.15, 0.05, 0.25},
        {0.20, 0.20, 0.10, 0.10, 0.30, 0.10},
    };
    private static final double[][] Q = {
        {0.05, 0.35, 0.10, 0.30, 0.05, 0.15},
        {0.30, 0.10, 0.25, 0.05, 0.20, 0.10},
    };

    /** A verifier whose emitted tokens are those of the verification. */
    private interface VerifierUnderTest {
        Verification verify(Proposal proposal, float[][] targetLogits, SamplingParams params, SequenceRandom random);
    }

    private static float[] logits(double[] p) {
        float[] logits = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            logits[i] = p[i] > 0 ? (float) Math.log(p[i]) : Float.NEGATIVE_INFINITY;
        }
        return logits;
    }

    private static float[] floats(double[] p) {
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            f[i] = (float) p[i];
        }
        return f;
    }

    /** Greedy logits whose argmax is {@code token}. */
    private static float[] peak(int token) {
        float[] logits = new float[6];
        logits[token] = 3f;
        return logits;
    }

    // ---- greedy ----

    @Test
    void greedyAcceptsAllMatchingDraftsAndAddsTheBonus() {
        Verification v = SpeculativeVerifier.verify(Proposal.deterministic(4, 2, 5),
                new float[][] {peak(4), peak(2), peak(5), peak(1)}, GREEDY, new SequenceRandom(0));
        assertThat(v).isEqualTo(new Verification(3, 1));
        assertThat(v.emitted()).isEqualTo(4);
    }

    @Test
    void greedyStopsAtTheFirstMismatchWithTheTargetsToken() {
        float[][] logits = {peak(4), peak(2), peak(5), peak(1)};
        assertThat(SpeculativeVerifier.verify(Proposal.deterministic(3, 2, 5), logits, GREEDY, new SequenceRandom(0)))
                .as("first rejected").isEqualTo(new Verification(0, 4));
        assertThat(SpeculativeVerifier.verify(Proposal.deterministic(4, 0, 5), logits, GREEDY, new SequenceRandom(0)))
                .as("middle rejected, later match irrelevant").isEqualTo(new Verification(1, 2));
        assertThat(SpeculativeVerifier.verify(Proposal.deterministic(4, 2, 0), logits, GREEDY, new SequenceRandom(0)))
                .as("last rejected").isEqualTo(new Verification(2, 5));
        assertThat(SpeculativeVerifier.verify(Proposal.none(), new float[][] {peak(3)}, GREEDY, new SequenceRandom(0)))
                .as("no draft: plain decoding").isEqualTo(new Verification(0, 3));
    }

    @Test
    void aFinishingDraftIsVerifiedWithoutABonus() {
        float[][] logits = {peak(4), peak(2)}; // after the context, after 4; nothing after the last draft token
        assertThat(SpeculativeVerifier.verifyFinishing(Proposal.deterministic(4, 2), logits, GREEDY,
                new SequenceRandom(0))).isEqualTo(new Verification(2, Verification.NONE));
        assertThat(new Verification(2, Verification.NONE).emitted()).isEqualTo(2);
        assertThat(SpeculativeVerifier.verifyFinishing(Proposal.deterministic(4, 5), logits, GREEDY,
                new SequenceRandom(0))).as("rejected: the correction as usual").isEqualTo(new Verification(1, 2));
        assertThatThrownBy(() -> SpeculativeVerifier.verifyFinishing(Proposal.deterministic(4, 2),
                new float[][] {peak(4), peak(2), peak(1)}, GREEDY, new SequenceRandom(0)))
                .hasMessageContaining("3 rows for a finishing proposal of 2 tokens, expected 2");
        // sampled: the same draws as verify's, less the bonus's
        SequenceRandom finishing = new SequenceRandom(5);
        SequenceRandom plain = new SequenceRandom(5);
        Proposal proposal = Proposal.deterministic(0, 1);
        float[][] rows = {logits(P[0]), logits(P[1]), logits(P[2])};
        for (int i = 0; i < 200; i++) {
            Verification f = SpeculativeVerifier.verifyFinishing(proposal, new float[][] {rows[0], rows[1]}, SAMPLED,
                    finishing);
            Verification v = SpeculativeVerifier.verify(proposal, rows, SAMPLED, plain);
            assertThat(f.accepted()).isEqualTo(v.accepted());
            if (v.accepted() < 2) {
                assertThat(f.nextToken()).isEqualTo(v.nextToken());
            } else {
                assertThat(f.nextToken()).isEqualTo(Verification.NONE);
                plain = finishing.copy(); // verify drew one more uniform, for the bonus
            }
        }
    }

    @Test
    void greedyTiesGoToTheLowestIdAsInPlainDecoding() {
        float[] tie = {0f, 2f, 0f, 2f, 0f, 0f};
        assertThat(SpeculativeVerifier.verify(Proposal.deterministic(3), new float[][] {tie, peak(0)}, GREEDY,
                new SequenceRandom(0))).isEqualTo(new Verification(0, 1));
    }

    @Test
    void rejectsMisshapenInput() {
        assertThatThrownBy(() -> SpeculativeVerifier.verify(Proposal.deterministic(1, 2),
                new float[][] {peak(1), peak(2)}, GREEDY, new SequenceRandom(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 rows for a proposal of 2 tokens, expected 3");
        Proposal impossible = new Proposal(new int[] {1}, new float[][] {floats(new double[] {1, 0, 0, 0, 0, 0})});
        assertThatThrownBy(() -> SpeculativeVerifier.verify(impossible, new float[][] {logits(P[0]), logits(P[1])},
                SAMPLED, new SequenceRandom(0)))
                .hasMessageContaining("draft token 1 at draft position 0 has q(x) = 0.0");
    }

    // ---- sampled: the output distribution is the target's ----

    /** Emitted-token counts: [0] first token, all runs; [1] second token, runs that accepted the first draft. */
    private static long[][] emittedCounts(VerifierUnderTest verifier, SamplingParams params, double[][] p,
            double[][] q, boolean deterministicDraft) {
        float[][] targetLogits = {logits(p[0]), logits(p[1]), logits(p[2])};
        float[][] qRows = {floats(q[0]), floats(q[1])};
        SequenceRandom draftRandom = new SequenceRandom(99);
        SequenceRandom verifierRandom = new SequenceRandom(params.seed());
        long[][] counts = new long[2][6];
        for (int draw = 0; draw < DRAWS; draw++) {
            Proposal proposal = deterministicDraft ? Proposal.deterministic(1, 0)
                    : new Proposal(new int[] {Sampler.inverseCdf(qRows[0], draftRandom.nextUniform()),
                        Sampler.inverseCdf(qRows[1], draftRandom.nextUniform())}, qRows);
            Verification v = verifier.verify(proposal, targetLogits, params, verifierRandom);
            int[] emitted = new int[v.emitted()];
            System.arraycopy(proposal.tokens(), 0, emitted, 0, v.accepted());
            emitted[v.accepted()] = v.nextToken();
            counts[0][emitted[0]]++;
            if (emitted.length > 1) {
                counts[1][emitted[1]]++;
            }
        }
        return counts;
    }

    /** The target distribution the verifier must reproduce: what plain sampling draws from. */
    private static double[] target(double[] p, SamplingParams params) {
        float[] f = Sampler.distribution(logits(p), params);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void sampledVerificationEmitsTokensDistributedAsTheTarget() {
        long[][] counts = emittedCounts(SpeculativeVerifier::verify, SAMPLED, P, Q, false);
        assertThat(ChiSquare.pValue(counts[0], P[0])).as("first emitted token vs p0").isGreaterThan(ALPHA);
        assertThat(ChiSquare.pValue(counts[1], P[1])).as("second emitted token after an accepted first vs p1")
                .isGreaterThan(ALPHA);
        // acceptance of the first draft is sum min(p0, q0) = 0.45: binomial sd 222 runs, 5 sd allowed
        long acceptedFirst = java.util.Arrays.stream(counts[1]).sum();
        assertThat(acceptedFirst).isBetween(90_000L - 1_112, 90_000L + 1_112);
    }

    @Test
    void sampledVerificationHonoursTopKOfTheTarget() {
        // top-4 of p0 leaves {0, 2, 4, 3 or 5 -> 3 (lower id)}; the draft q proposes cut tokens too
        SamplingParams topK = new SamplingParams(1f, 4, 1f, 7L, 16, List.of());
        long[][] counts = emittedCounts(SpeculativeVerifier::verify, topK, P, Q, false);
        double[] p0 = target(P[0], topK);
        assertThat(p0[1]).isZero();
        assertThat(ChiSquare.pValue(counts[0], p0)).as("first token vs top-k p0").isGreaterThan(ALPHA);
        assertThat(ChiSquare.pValue(counts[1], target(P[1], topK))).as("second token vs top-k p1")
                .isGreaterThan(ALPHA);
    }

    @Test
    void deterministicProposalsAreVerifiedAsOneHotQ() {
        // prompt lookup proposes tokens 1 then 0 every time: accepted with probability p0(1) = 0.05
        long[][] counts = emittedCounts(SpeculativeVerifier::verify, SAMPLED, P, Q, true);
        assertThat(ChiSquare.pValue(counts[0], P[0])).as("first token vs p0").isGreaterThan(ALPHA);
        assertThat(ChiSquare.pValue(counts[1], P[1])).as("second token vs p1").isGreaterThan(ALPHA);
    }

    @Test
    void theTestRejectsAVerifierThatAlwaysAccepts() {
        VerifierUnderTest alwaysAccepts = (proposal, targetLogits, params, random) -> new Verification(
                proposal.size(), Sampler.sample(targetLogits[proposal.size()], params, random));
        long[][] counts = emittedCounts(alwaysAccepts, SAMPLED, P, Q, false);
        assertThat(ChiSquare.pValue(counts[0], P[0])).as("first token is q0, not p0").isLessThan(ALPHA);
        assertThat(ChiSquare.pValue(counts[1], P[1])).as("second token is q1, not p1").isLessThan(ALPHA);
    }

    @Test
    void theTestRejectsAVerifierThatResamplesFromPInsteadOfTheResidual() {
        VerifierUnderTest fromP = (proposal, targetLogits, params, random) -> {
            for (int i = 0; i < proposal.size(); i++) {
                float[] p = Sampler.distribution(targetLogits[i], params);
                int x = proposal.tokens()[i];
                if (random.nextUniform() * proposal.q(i, x) >= p[x]) {
                    return new Verification(i, Sampler.inverseCdf(p, random.nextUniform()));
                }
            }
            return new Verification(proposal.size(), Sampler.sample(targetLogits[proposal.size()], params, random));
        };
        long[][] counts = emittedCounts(fromP, SAMPLED, P, Q, false);
        assertThat(ChiSquare.pValue(counts[0], P[0])).isLessThan(ALPHA);
    }
}
