package io.textintel.serving.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where each sequence of a batch lies among the rows of a {@code [rows, hidden]} activation:
 * sequence {@code i} occupies rows {@code starts[i] .. starts[i] + lengths[i] - 1}.
 *
 * <p>Rows that belong to no sequence are padding: attention never reads them as keys and pooling
 * ignores them. A packed batch has none; a padded batch places sequence {@code i} at row
 * {@code i * paddedLength}.
 *
 * @param starts first row of each sequence
 * @param lengths number of real (non-padding) tokens of each sequence, each at least 1
 * @param rows total rows of the activations, padding included
 */
public record SequenceSpans(int[] starts, int[] lengths, int rows) {

    public SequenceSpans {
        Objects.requireNonNull(starts, "starts");
        Objects.requireNonNull(lengths, "lengths");
        if (starts.length != lengths.length) {
            throw new IllegalArgumentException("sequence spans have " + starts.length + " starts but "
                    + lengths.length + " lengths, expected the same number");
        }
        starts = starts.clone();
        lengths = lengths.clone();
        for (int i = 0; i < starts.length; i++) {
            if (lengths[i] < 1 || starts[i] < 0 || starts[i] + lengths[i] > rows) {
                throw new IllegalArgumentException("sequence " + i + " spans rows [" + starts[i] + ", "
                        + (starts[i] + lengths[i]) + "), expected a non-empty range inside [0, " + rows + ")");
            }
        }
    }

    /** Spans of sequences laid end to end with no padding. */
    public static SequenceSpans packed(int... lengths) {
        int[] starts = new int[lengths.length];
        int row = 0;
        for (int i = 0; i < lengths.length; i++) {
            starts[i] = row;
            row += lengths[i];
        }
        return new SequenceSpans(starts, lengths, row);
    }

    /** Spans of sequences each padded to {@code paddedLength} rows. */
    public static SequenceSpans padded(int paddedLength, int... lengths) {
        int[] starts = new int[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            starts[i] = i * paddedLength;
        }
        return new SequenceSpans(starts, lengths, lengths.length * paddedLength);
    }

    /** Number of sequences. */
    public int count() {
        return starts.length;
    }

    /** First row of sequence {@code i}. */
    public int start(int i) {
        return starts[i];
    }

    /** Real tokens of sequence {@code i}. */
    public int length(int i) {
        return lengths[i];
    }

    /** The longest sequence's length. */
    public int maxLength() {
        int max = 0;
        for (int length : lengths) {
            max = Math.max(max, length);
        }
        return max;
    }

    /** Sum of the real tokens of all sequences. */
    public int realTokens() {
        int sum = 0;
        for (int length : lengths) {
            sum += length;
        }
        return sum;
    }

    @Override
    public int[] starts() {
        return starts.clone();
    }

    @Override
    public int[] lengths() {
        return lengths.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SequenceSpans that
                && rows == that.rows
                && Arrays.equals(starts, that.starts)
                && Arrays.equals(lengths, that.lengths);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(starts) + Arrays.hashCode(lengths)) + rows;
    }

    @Override
    public String toString() {
        return "SequenceSpans[starts=" + Arrays.toString(starts) + ", lengths=" + Arrays.toString(lengths)
                + ", rows=" + rows + "]";
    }
}
