package io.textintel.serving.spec;

import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Speculative decoding of a {@link LabelTrie}'s outputs (generative classification): a draft model
 * proposes the answer under the trie's constraint, and the target checks each proposal in one
 * forward pass under the same constraint.
 *
 * <p>One step. The draft runs the constrained decoding of {@link ConstrainedDecoding#generate} from
 * the output so far: its logits masked to the tokens the trie allows after the output and its own
 * proposal, then greedy, or sampled with the request's temperature / top-k / top-p from that masked
 * distribution q. It proposes up to γ tokens, fewer when its proposal completes an output (a label,
 * or labels joined by the separator, then the end token). The target gives its logits after the
 * output and after each proposed token in one pass ({@link TargetPass}), masked the same way, and
 * {@link SpeculativeVerifier} keeps the longest acceptable prefix: exact match with the target's
 * masked argmax for greedy decoding; for sampled decoding the rule {@code min(1, p(x) / q(x))} with
 * the residual {@code norm(max(0, p - q))} at the first rejection, p and q being the masked,
 * renormalised distributions. The target's token follows (its correction at the first rejection,
 * or the bonus after a fully accepted proposal), and the draft proposes again from there. A
 * proposal that completes the output is verified without a bonus
 * ({@link SpeculativeVerifier#verifyFinishing}): nothing follows the end token, so the target's
 * pass stops before it.
 *
 * <p>Exactness. Greedy outputs are token for token those of {@link ConstrainedDecoding#generate}
 * on the target's logits, whatever the draft proposes. Sampled outputs are distributed exactly as
 * its outputs, though with other draws: the target's come from the request's stream (one per
 * examined draft token and one per correction or bonus), the draft's from a stream of its own.
 *
 * <p>Cost. Each verification is one target pass over the target's last token and the proposal (the
 * end token left out), counted in {@link Result#verifySteps()}. When only one token is left before
 * {@code maxNewTokens}, a step proposes nothing and takes the target's token as plain decoding does.
 * Not thread-safe: one instance per request.
 */
public final class ConstrainedSpeculativeDecoding {

    /** The target model after the prompt, checking a continuation in one forward pass. */
    @FunctionalInterface
    public interface TargetPass {
        /**
         * The target's logits after {@code output} and after each longer prefix of
         * {@code output + draft}: {@code [draft.length + 1][vocab]}.
         */
        float[][] logits(int[] output, int[] draft);
    }

    /**
     * A generated output and what speculation did for it.
     *
     * @param output the trie output, complete unless {@code maxNewTokens} cut it short
     * @param draftProposed draft tokens proposed
     * @param draftAccepted draft tokens the target accepted
     * @param verifySteps target passes that checked a proposal
     */
    public record Result(int[] output, int draftProposed, int draftAccepted, int verifySteps) {

        public Result {
            Objects.requireNonNull(output, "output");
            if (draftAccepted < 0 || draftAccepted > draftProposed || verifySteps < 0
                    || (verifySteps == 0) != (draftProposed == 0)) {
                throw new IllegalArgumentException("speculation accepted " + draftAccepted + " of " + draftProposed
                        + " draft tokens in " + verifySteps + " verifications, expected 0 <= accepted <= proposed"
                        + " and verifications > 0 exactly when something was proposed");
            }
        }
    }

    private final LabelTrie trie;
    private final ConstrainedDecoding.NextTokenLogits draft;
    private final TargetPass target;
    private final int maxDraftTokens;

    /**
     * @param draft the draft model after the prompt: logits for the token after a prefix of the output
     * @param target the target model after the prompt
     * @param maxDraftTokens most tokens per proposal (γ), at least 1
     */
    public ConstrainedSpeculativeDecoding(LabelTrie trie, ConstrainedDecoding.NextTokenLogits draft,
            TargetPass target, int maxDraftTokens) {
        if (maxDraftTokens < 1) {
            throw new IllegalArgumentException("maxDraftTokens is " + maxDraftTokens + ", expected >= 1");
        }
        this.trie = Objects.requireNonNull(trie, "trie");
        this.draft = Objects.requireNonNull(draft, "draft");
        this.target = Objects.requireNonNull(target, "target");
        this.maxDraftTokens = maxDraftTokens;
    }

    /**
     * Generates one output of the trie: at most {@code params.maxNewTokens()} tokens, stopping when
     * the output is complete. Read its labels with {@link LabelTrie#labels}.
     *
     * @param random the request's stream: the target's draws
     * @param draftRandom the draft's own stream (e.g. {@link DraftModelProposer#draftRandom}); greedy draws nothing
     */
    public Result generate(SamplingParams params, SequenceRandom random, SequenceRandom draftRandom) {
        int[] output = new int[0];
        int proposed = 0;
        int accepted = 0;
        int verifySteps = 0;
        while (output.length < params.maxNewTokens() && !trie.isComplete(output)) {
            // accepted drafts and the target's token must fit the limit
            int limit = Math.min(maxDraftTokens, params.maxNewTokens() - output.length - 1);
            Proposal proposal = limit > 0 ? propose(output, limit, params, draftRandom) : Proposal.none();
            if (proposal.size() == 0) {
                float[] row = rows(output, new int[0])[0]; // [vocab]
                output = append(output, Sampler.sample(ConstrainedDecoding.mask(row, trie.allowedNext(output)),
                        params, random));
                continue;
            }
            int[] tokens = proposal.tokens();
            boolean finishes = trie.isComplete(append(output, tokens));
            float[][] rows = rows(output, finishes ? Arrays.copyOf(tokens, tokens.length - 1) : tokens);
            float[][] masked = new float[rows.length][]; // [rows][vocab]: the target under the trie
            for (int i = 0; i < rows.length; i++) {
                int[] prefix = append(output, Arrays.copyOf(tokens, i));
                masked[i] = ConstrainedDecoding.mask(rows[i], trie.allowedNext(prefix));
            }
            Verification verification = finishes
                    ? SpeculativeVerifier.verifyFinishing(proposal, masked, params, random)
                    : SpeculativeVerifier.verify(proposal, masked, params, random);
            verifySteps++;
            proposed += tokens.length;
            accepted += verification.accepted();
            output = append(output, Arrays.copyOf(tokens, verification.accepted()));
            if (verification.nextToken() != Verification.NONE) {
                output = append(output, verification.nextToken());
            }
        }
        return new Result(output, proposed, accepted, verifySteps);
    }

    /** The draft's constrained decoding from {@code output}: up to {@code limit} tokens, ending at a complete output. */
    private Proposal propose(int[] output, int limit, SamplingParams params, SequenceRandom draftRandom) {
        int[] tokens = new int[limit];
        float[][] distributions = params.isGreedy() ? null : new float[limit][]; // [limit][draft vocab]: q
        int[] prefix = output;
        int k = 0;
        while (k < limit && !trie.isComplete(prefix)) {
            float[] masked = ConstrainedDecoding.mask(draft.logits(prefix), trie.allowedNext(prefix)); // [draft vocab]
            if (distributions == null) {
                tokens[k] = Sampler.sample(masked, params, draftRandom); // greedy: the argmax, no draw
            } else {
                distributions[k] = Sampler.distribution(masked, params);
                tokens[k] = Sampler.inverseCdf(distributions[k], draftRandom.nextUniform());
            }
            prefix = append(prefix, tokens[k]);
            k++;
        }
        return new Proposal(Arrays.copyOf(tokens, k), distributions == null ? null : Arrays.copyOf(distributions, k));
    }

    private float[][] rows(int[] output, int[] continuation) {
        float[][] rows = target.logits(output, continuation);
        if (rows == null || rows.length != continuation.length + 1) {
            throw new IllegalStateException("target pass returned " + (rows == null ? "no" : rows.length)
                    + " logit rows for a continuation of " + continuation.length + " tokens, expected "
                    + (continuation.length + 1) + " (after the output and after each continuation token)");
        }
        return rows;
    }

    private static int[] append(int[] tokens, int... more) {
        int[] out = Arrays.copyOf(tokens, tokens.length + more.length);
        System.arraycopy(more, 0, out, tokens.length, more.length);
        return out;
    }
}
