package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LabelTrieTest {

    private static final int END = 2;
    private static final int SEP = 3;

    /** positive [5 7], pos [5], negative [6 8 9], neutral [6 4]. */
    private static LabelTrie sentiment() {
        return LabelTrie.builder().label(5, 7).label(5).label(6, 8, 9).label(6, 4).endToken(END).build();
    }

    @Test
    void offersTheTokensThatContinueSomeLabel() {
        LabelTrie trie = sentiment();
        assertThat(trie.allowedNext(new int[0])).containsExactly(5, 6);
        assertThat(trie.allowedNext(new int[] {6})).containsExactly(4, 8);
        assertThat(trie.allowedNext(new int[] {6, 8})).containsExactly(9);
        assertThat(trie.endsLabel(new int[] {6, 8})).isFalse();
        assertThat(trie.labels(new int[] {6, 8})).isEmpty();
    }

    @Test
    void aLabelThatPrefixesAnotherMayEndOrContinue() {
        LabelTrie trie = sentiment();
        assertThat(trie.allowedNext(new int[] {5})).containsExactly(END, 7);
        assertThat(trie.endsLabel(new int[] {5})).isTrue();
        assertThat(trie.labels(new int[] {5})).containsExactly(1);
        assertThat(trie.allowedNext(new int[] {5, 7})).containsExactly(END);
        assertThat(trie.isComplete(new int[] {5, 7})).isFalse();
        assertThat(trie.isComplete(new int[] {5, 7, END})).isTrue();
        assertThat(trie.allowedNext(new int[] {5, 7, END})).isEmpty();
        assertThat(trie.labels(new int[] {5, 7, END})).containsExactly(0);
        assertThat(trie.endsLabel(new int[] {5, 7, END})).as("complete: the end token follows the label").isFalse();
        assertThat(trie.labels(new int[] {5, END})).containsExactly(1);
    }

    @Test
    void rejectsAPrefixNoLabelAllowsNamingTheAllowedTokens() {
        LabelTrie trie = sentiment();
        assertThatThrownBy(() -> trie.allowedNext(new int[] {6, 7})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token 7 at position 1 of output prefix [6, 7] is not allowed, expected one of [4, 8]");
        assertThatThrownBy(() -> trie.allowedNext(new int[] {6, 4, END, 5}))
                .hasMessageContaining("expected one of none (the output was complete)");
        assertThatThrownBy(() -> trie.allowedNext(new int[] {6, END})).hasMessageContaining("expected one of [4, 8]");
        assertThatThrownBy(() -> trie.allowedNext(new int[] {5, SEP})).as("single-label: no separator")
                .hasMessageContaining("expected one of [2, 7]");
    }

    @Test
    void multiLabelOutputsSeparateDistinctLabels() {
        // A [10], B [11 12], C [11 13]
        LabelTrie trie = LabelTrie.builder().label(10).label(11, 12).label(11, 13).separatorToken(SEP).endToken(END)
                .build();
        assertThat(trie.allowedNext(new int[] {10})).containsExactly(END, SEP);
        assertThat(trie.allowedNext(new int[] {10, SEP})).as("A is taken").containsExactly(11);
        assertThat(trie.allowedNext(new int[] {10, SEP, 11})).containsExactly(12, 13);
        assertThat(trie.allowedNext(new int[] {10, SEP, 11, 12, SEP})).as("only C is left").containsExactly(11);
        assertThat(trie.allowedNext(new int[] {10, SEP, 11, 12, SEP, 11})).containsExactly(13);
        assertThat(trie.allowedNext(new int[] {10, SEP, 11, 12, SEP, 11, 13})).as("no label left: only the end")
                .containsExactly(END);
        assertThat(trie.labels(new int[] {10, SEP, 11, 12, SEP, 11, 13, END})).containsExactly(0, 1, 2);
        assertThat(trie.labels(new int[] {11, 13, SEP, 10})).containsExactly(2, 0);
        assertThat(trie.isComplete(new int[] {11, 13, SEP, 10, END})).isTrue();
    }

    @Test
    void withoutAnEndTokenALabelEndsTheOutput() {
        LabelTrie trie = LabelTrie.builder().label(1).label(2, 3).build();
        assertThat(trie.isComplete(new int[] {1})).isTrue();
        assertThat(trie.endsLabel(new int[] {1})).isTrue();
        assertThat(trie.allowedNext(new int[] {1})).isEmpty();
        assertThat(trie.isComplete(new int[] {2})).isFalse();
        assertThat(trie.isComplete(new int[] {2, 3})).isTrue();
        assertThat(trie.labels(new int[] {2, 3})).containsExactly(1);
        assertThat(trie.endToken()).isEqualTo(-1);
    }

    @Test
    void buildRejectsAmbiguousLabelSets() {
        assertThatThrownBy(() -> LabelTrie.builder().label(1).label(1, 2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label 0 [1] is a prefix of label 1 [1, 2], expected an end token");
        assertThatThrownBy(() -> LabelTrie.builder().label(1, 4).label(1, 4).endToken(END).build())
                .hasMessageContaining("labels 0 and 1 are both [1, 4]");
        assertThatThrownBy(() -> LabelTrie.builder().label(1, END).endToken(END).build())
                .hasMessageContaining("contains token 2, which is the end or separator token");
        assertThatThrownBy(() -> LabelTrie.builder().label(1).separatorToken(SEP).build())
                .hasMessageContaining("without an end token");
        assertThatThrownBy(() -> LabelTrie.builder().build()).hasMessageContaining("label set is empty");
        assertThatThrownBy(() -> LabelTrie.builder().label().build()).hasMessageContaining("label 0 has no tokens");
        assertThatThrownBy(() -> LabelTrie.builder().endToken(-1)).hasMessageContaining("end token is -1");
    }
}
