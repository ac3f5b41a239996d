package io.textintel.serving.batch;

import io.textintel.serving.backend.BatchLayout;
import io.textintel.serving.tensor.SequenceSpans;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The input of one forward pass: the token ids of several sequences laid out in rows (flat ids
 * plus where each sequence starts), packed end to end or padded to a common length.
 *
 * @param ids one token id per activation row; padding rows hold the pad id
 * @param spans where each sequence lies among the rows
 */
public record TokenBatch(int[] ids, SequenceSpans spans) {

    public TokenBatch {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(spans, "spans");
        if (ids.length != spans.rows()) {
            throw new IllegalArgumentException(
                    "token batch has " + ids.length + " ids for " + spans.rows() + " rows, expected one id per row");
        }
    }

    /** The sequences laid out as {@code layout} says, padding rows filled with {@code padId}. */
    public static TokenBatch of(List<int[]> sequences, BatchLayout layout, int padId) {
        return layout == BatchLayout.PACKED ? packed(sequences) : padded(sequences, padId);
    }

    /** The sequences end to end, no padding. */
    public static TokenBatch packed(List<int[]> sequences) {
        int[] lengths = lengths(sequences);
        SequenceSpans spans = SequenceSpans.packed(lengths);
        int[] ids = new int[spans.rows()];
        for (int i = 0; i < sequences.size(); i++) {
            System.arraycopy(sequences.get(i), 0, ids, spans.start(i), lengths[i]);
        }
        return new TokenBatch(ids, spans);
    }

    /** Every sequence padded with {@code padId} to the longest one's length. */
    public static TokenBatch padded(List<int[]> sequences, int padId) {
        int[] lengths = lengths(sequences);
        int longest = Arrays.stream(lengths).max().orElse(0);
        SequenceSpans spans = SequenceSpans.padded(longest, lengths);
        int[] ids = new int[spans.rows()];
        Arrays.fill(ids, padId);
        for (int i = 0; i < sequences.size(); i++) {
            System.arraycopy(sequences.get(i), 0, ids, spans.start(i), lengths[i]);
        }
        return new TokenBatch(ids, spans);
    }

    /** Rows a batch of sequences of these lengths takes in {@code layout}. */
    public static long rows(BatchLayout layout, int count, int longest, long totalLength) {
        return layout == BatchLayout.PACKED ? totalLength : (long) count * longest;
    }

    /** Number of sequences. */
    public int size() {
        return spans.count();
    }

    /** Rows that carry no real token. */
    public int paddingRows() {
        return spans.rows() - spans.realTokens();
    }

    /** The ids of sequence {@code i}, a copy. */
    public int[] sequence(int i) {
        return Arrays.copyOfRange(ids, spans.start(i), spans.start(i) + spans.length(i));
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** The id in row {@code row}. */
    public int id(int row) {
        return ids[row];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenBatch that && Arrays.equals(ids, that.ids) && spans.equals(that.spans);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + spans.hashCode();
    }

    @Override
    public String toString() {
        return "TokenBatch[sequences=" + size() + ", rows=" + spans.rows() + ", padding=" + paddingRows() + "]";
    }

    private static int[] lengths(List<int[]> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("token batch has no sequences, expected at least one");
        }
        int[] lengths = new int[sequences.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = sequences.get(i).length;
            if (lengths[i] == 0) {
                throw new IllegalArgumentException("sequence " + i + " of the batch is empty, expected >= 1 token");
            }
        }
        return lengths;
    }
}
