package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DraftModelProposerTest {

    private static final int VOCAB = 12;
    private static final Function<int[], float[]> DRAFT = FakeCausalLm.peaked(VOCAB, 5, 1);
    /** The target agrees with the draft except after tokens divisible by 4. */
    private static final Function<int[], float[]> TARGET = context -> {
        float[] logits = DRAFT.apply(context);
        if (context[context.length - 1] % 4 == 0) {
            logits[(Sampler.argmax(logits) + 1) % VOCAB] += 5f;
        }
        return logits;
    };
    private static final int[] PROMPT = {1, 2, 3, 4, 5};

    private static int[] append(int[] context, int... tokens) {
        int[] out = Arrays.copyOf(context, context.length + tokens.length);
        System.arraycopy(tokens, 0, out, context.length, tokens.length);
        return out;
    }

    private static int[] greedyContinuation(Function<int[], float[]> model, int[] context, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = Sampler.argmax(model.apply(context));
            context = append(context, out[i]);
        }
        return out;
    }

    @Test
    void proposesTheDraftModelsGreedyContinuation() {
        FakeCausalLm draft = new FakeCausalLm(VOCAB, 256, DRAFT);
        PagedKvCache cache = new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64);
        DraftModelProposer proposer = new DraftModelProposer(draft, cache);
        Proposal proposal = proposer.propose(7L, PROMPT, 4);
        assertThat(proposal.tokens()).containsExactly(greedyContinuation(DRAFT, PROMPT, 4));
        assertThat(proposal.distributions()).as("greedy drafts are deterministic").isNull();
        // the prompt in one pass, then 3 single-token passes; the last draft token is not run
        assertThat(draft.tokensRun()).isEqualTo(5 + 3);
        assertThat(cache.length(7L)).isEqualTo(8);
    }

    @Test
    void neverProposesASuppressedToken() {
        int[] favourites = greedyContinuation(DRAFT, PROMPT, 1);
        DraftModelProposer proposer = new DraftModelProposer(new FakeCausalLm(VOCAB, 256, DRAFT),
                new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64), List.of(favourites[0]));
        Proposal proposal = proposer.propose(7L, PROMPT, 4);
        float[] first = DRAFT.apply(PROMPT);
        first[favourites[0]] = Float.NEGATIVE_INFINITY;
        assertThat(proposal.tokens()[0]).as("the runner-up instead").isEqualTo(Sampler.argmax(first));
        assertThat(proposal.tokens()).doesNotContain(favourites[0]);
        SamplingParams sampled = new SamplingParams(2f, 0, 1f, 31L, 64, List.of(), List.of(0, 1, 2));
        proposer.begin(8L, sampled);
        for (int i = 0; i < 20; i++) {
            Proposal drawn = proposer.propose(8L, append(PROMPT, i % VOCAB), 4);
            assertThat(drawn.tokens()).doesNotContain(favourites[0], 0, 1, 2);
        }
    }

    @Test
    void followsTheContextThroughRejectionsAndAcceptances() {
        FakeCausalLm draft = new FakeCausalLm(VOCAB, 256, DRAFT);
        PagedKvCache cache = new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64);
        DraftModelProposer proposer = new DraftModelProposer(draft, cache);
        int[] first = proposer.propose(7L, PROMPT, 4).tokens();

        // the target kept the first draft token and corrected the second
        int correction = (first[1] + 1) % VOCAB;
        int[] context = append(PROMPT, first[0], correction);
        long before = draft.tokensRun();
        int[] second = proposer.propose(7L, context, 4).tokens();
        assertThat(second).containsExactly(greedyContinuation(DRAFT, context, 4));
        assertThat(draft.tokensRun() - before).as("only the correction is new, then 3 draft passes").isEqualTo(1 + 3);

        // the target kept all four and added a bonus token
        context = append(append(context, second), 0);
        before = draft.tokensRun();
        assertThat(proposer.propose(7L, context, 4).tokens()).containsExactly(greedyContinuation(DRAFT, context, 4));
        assertThat(draft.tokensRun() - before).as("the unrun last draft and the bonus, then 3").isEqualTo(2 + 3);
        assertThat(cache.length(7L)).isEqualTo(context.length + 3);
        assertThat(cache.freeBlocks()).as("blocks past the length were freed").isEqualTo(64 - (context.length + 3 + 3) / 4);
    }

    @Test
    void reproposingTheSameContextRunsItsLastToken() {
        FakeCausalLm draft = new FakeCausalLm(VOCAB, 256, DRAFT);
        DraftModelProposer proposer = new DraftModelProposer(draft, new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64));
        int[] context = append(PROMPT, greedyContinuation(DRAFT, PROMPT, 3));
        proposer.propose(7L, context, 4);
        // now the cache holds the context and more: propose again for a shorter context
        assertThat(proposer.propose(7L, PROMPT, 2).tokens()).containsExactly(greedyContinuation(DRAFT, PROMPT, 2));
    }

    @Test
    void sampledDraftsReturnTheDistributionsTheyDrewFrom() {
        SamplingParams params = new SamplingParams(0.8f, 5, 1f, 31L, 64, List.of());
        FakeCausalLm draft = new FakeCausalLm(VOCAB, 256, DRAFT);
        DraftModelProposer proposer = new DraftModelProposer(draft, new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64));
        proposer.begin(3L, params);
        Proposal proposal = proposer.propose(3L, PROMPT, 5);
        assertThat(proposal.size()).isEqualTo(5);
        int[] context = PROMPT;
        for (int i = 0; i < proposal.size(); i++) {
            assertThat(proposal.distributions()[i]).containsExactly(Sampler.distribution(DRAFT.apply(context), params));
            assertThat(proposal.q(i, proposal.tokens()[i])).isPositive();
            context = append(context, proposal.tokens()[i]);
        }
        // the same seed draws the same drafts in another proposer
        DraftModelProposer again = new DraftModelProposer(new FakeCausalLm(VOCAB, 256, DRAFT),
                new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64));
        again.begin(9L, params);
        assertThat(again.propose(9L, PROMPT, 5).tokens()).containsExactly(proposal.tokens());
    }

    @Test
    void speculativeGreedyDecodingGivesPlainGreedyOutput() {
        int length = 60;
        int[] plain = greedyContinuation(TARGET, PROMPT, length);
        DraftModelProposer draftModel = new DraftModelProposer(new FakeCausalLm(VOCAB, 256, DRAFT),
                new PagedKvCache(FakeCausalLm.LAYOUT, 4, 64));
        for (DraftProposer proposer : List.of(draftModel, new PromptLookupProposer(1, 3))) {
            SamplingParams greedy = SamplingParams.greedy(length, List.of());
            SequenceRandom random = new SequenceRandom(0);
            List<Integer> out = new ArrayList<>();
            int[] context = PROMPT;
            int proposed = 0;
            int accepted = 0;
            while (out.size() < length) {
                Proposal proposal = proposer.propose(1L, context, 4);
                float[][] rows = new float[proposal.size() + 1][];
                for (int i = 0; i <= proposal.size(); i++) {
                    rows[i] = TARGET.apply(append(context, Arrays.copyOf(proposal.tokens(), i)));
                }
                Verification v = SpeculativeVerifier.verify(proposal, rows, greedy, random);
                proposed += proposal.size();
                accepted += v.accepted();
                int[] step = append(Arrays.copyOf(proposal.tokens(), v.accepted()), v.nextToken());
                for (int token : step) {
                    out.add(token);
                }
                context = append(context, step);
            }
            proposer.release(1L);
            assertThat(out.subList(0, length)).as("%s", proposer.getClass().getSimpleName())
                    .containsExactly(Arrays.stream(plain).boxed().toArray(Integer[]::new));
            assertThat(accepted).as("both paths exercised").isBetween(1, proposed - 1);
        }
    }

    @Test
    void shrinksTheDraftToTheCacheAndDropsItWhenNothingFits() {
        FakeCausalLm draft = new FakeCausalLm(VOCAB, 256, DRAFT);
        PagedKvCache cache = new PagedKvCache(FakeCausalLm.LAYOUT, 4, 3); // 12 positions
        DraftModelProposer proposer = new DraftModelProposer(draft, cache);
        int[] context = append(PROMPT, 6, 7, 8, 9, 10); // 10 tokens + (γ - 1) <= 12
        assertThat(proposer.propose(2L, context, 5).tokens()).containsExactly(greedyContinuation(DRAFT, context, 3));
        int[] longer = append(context, 1, 2, 3);
        assertThat(proposer.propose(2L, longer, 5).size()).isZero();
        assertThat(cache.freeBlocks()).isEqualTo(3);
        assertThat(proposer.cachedLength(2L)).isZero();
    }

    @Test
    void staysWithinTheDraftsContextLength() {
        DraftModelProposer proposer = new DraftModelProposer(new FakeCausalLm(VOCAB, 8, DRAFT),
                new PagedKvCache(FakeCausalLm.LAYOUT, 4, 8));
        assertThat(proposer.propose(1L, append(PROMPT, 6), 5).size()).isEqualTo(2);
        assertThat(proposer.propose(1L, new int[8], 5).size()).isZero();
    }

    @Test
    void releaseFreesTheSequencesBlocks() {
        PagedKvCache cache = new PagedKvCache(FakeCausalLm.LAYOUT, 4, 16);
        DraftModelProposer proposer = new DraftModelProposer(new FakeCausalLm(VOCAB, 256, DRAFT), cache);
        proposer.propose(1L, PROMPT, 4);
        assertThat(cache.freeBlocks()).isLessThan(16);
        proposer.release(1L);
        proposer.release(1L); // twice is fine
        assertThat(cache.freeBlocks()).isEqualTo(16);
    }

    @Test
    void rejectsACacheOfAnotherLayout() {
        assertThatThrownBy(() -> new DraftModelProposer(new FakeCausalLm(VOCAB, 256, DRAFT),
                new PagedKvCache(new KvLayout(2, 1, 1), 4, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected the same");
    }
}
