package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromptLookupProposerTest {

    private static int[] propose(int minN, int maxN, int maxTokens, int... context) {
        Proposal proposal = new PromptLookupProposer(minN, maxN).propose(1L, context, maxTokens);
        assertThat(proposal.distributions()).as("deterministic proposer").isNull();
        return proposal.tokens();
    }

    @Test
    void proposesWhatFollowedTheLongestMatchingSuffix() {
        // suffix [1 2 3] occurred at the start, followed by 4 9 9 1 2 3
        assertThat(propose(1, 3, 4, 1, 2, 3, 4, 9, 9, 1, 2, 3)).containsExactly(4, 9, 9, 1);
        // the continuation stops at the end of the context
        assertThat(propose(1, 3, 10, 1, 2, 3, 4, 9, 9, 1, 2, 3)).containsExactly(4, 9, 9, 1, 2, 3);
    }

    @Test
    void takesTheMostRecentEarlierOccurrence() {
        // [5 6] occurs at 0 (then 7) and at 3 (then 8): the later one wins
        assertThat(propose(1, 2, 3, 5, 6, 7, 5, 6, 8, 5, 6)).containsExactly(8, 5, 6);
    }

    @Test
    void prefersTheLongerNGramOverAMoreRecentShortOne() {
        // [2 3] matches at 1 (then 4); [3] alone would match more recently at 5 (then 7)
        assertThat(propose(1, 2, 1, 1, 2, 3, 4, 0, 3, 7, 2, 3)).containsExactly(4);
    }

    @Test
    void fallsBackToShorterNGramsDownToMinN() {
        // [3 7 3] and [7 3] never occurred before; [3] did, followed by 7
        assertThat(propose(1, 3, 5, 1, 2, 3, 7, 3)).containsExactly(7, 3);
        assertThat(propose(2, 3, 5, 1, 2, 3, 7, 3)).isEmpty();
    }

    @Test
    void proposesNothingWithoutAMatchOrRoom() {
        assertThat(propose(1, 3, 5, 1, 2, 3, 4)).isEmpty();
        assertThat(propose(1, 3, 5, 8)).isEmpty();
        assertThat(propose(1, 3, 0, 1, 2, 1, 2)).isEmpty();
    }

    @Test
    void rejectsBadNGramSizes() {
        assertThatThrownBy(() -> new PromptLookupProposer(0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n-gram sizes are 0..3");
        assertThatThrownBy(() -> new PromptLookupProposer(3, 2)).hasMessageContaining("n-gram sizes are 3..2");
    }

    @Test
    void stopsBeforeASuppressedToken() {
        PromptLookupProposer proposer = new PromptLookupProposer(1, 3, java.util.List.of(9));
        // [1 2 3] occurred at the start, followed by 4 9 9: the proposal ends before the first 9
        assertThat(proposer.propose(1L, new int[] {1, 2, 3, 4, 9, 9, 1, 2, 3}, 4).tokens()).containsExactly(4);
        assertThat(proposer.propose(1L, new int[] {1, 2, 9, 5, 1, 2}, 4).size()).as("a suppressed first token")
                .isZero();
    }
}
