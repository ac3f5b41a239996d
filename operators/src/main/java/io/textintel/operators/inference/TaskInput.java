package io.textintel.operators.inference;

import java.util.Arrays;
import java.util.Objects;

/**
 * The tokens one model task will see for one document: a Flink POJO.
 *
 * <p>Encoder tasks fill {@link #tokenIds}. Decoder tasks carry no ids (the decoder tokenizes its
 * chat prompt itself), only the counts. Extractive summaries carry one token sequence per sentence
 * in {@link #sentenceTokenIds}, and where each sentence lies in the text in {@link #sentenceOffsets}.
 */
public class TaskInput {

    /** The task's name, as configured. */
    public String task;

    /** Token ids with the model's special tokens, truncated to the task's limit. */ // [tokens]
    public int[] tokenIds;

    /** Whether the text was longer than the limit and cut. */
    public boolean truncated;

    /** Tokens the whole text would have had without truncation. */
    public int untruncatedLength;

    /** Tokens the tokenizer did not know (mapped to its unknown token). */
    public int unknownTokens;

    /** Per sentence, its token ids with special tokens; null for tasks that do not split sentences. */ // [sentences][tokens]
    public int[][] sentenceTokenIds;

    /** Per sentence its start and end (exclusive) in the text, in chars; null with {@link #sentenceTokenIds}. */ // [2 * sentences]
    public int[] sentenceOffsets;

    public TaskInput() {}

    public TaskInput(String task, int[] tokenIds, boolean truncated, int untruncatedLength, int unknownTokens) {
        this.task = task;
        this.tokenIds = tokenIds;
        this.truncated = truncated;
        this.untruncatedLength = untruncatedLength;
        this.unknownTokens = unknownTokens;
    }

    /** The input of a task that works sentence by sentence; {@link #tokenIds} is empty. */
    public static TaskInput ofSentences(String task, int[][] sentenceTokenIds, int[] sentenceOffsets,
            boolean truncated, int untruncatedLength, int unknownTokens) {
        if (sentenceOffsets.length != 2 * sentenceTokenIds.length) {
            throw new IllegalArgumentException("task '" + task + "': " + sentenceOffsets.length + " offsets for "
                    + sentenceTokenIds.length + " sentences, expected two per sentence. This is a bug.");
        }
        TaskInput input = new TaskInput(task, new int[0], truncated, untruncatedLength, unknownTokens);
        input.sentenceTokenIds = sentenceTokenIds;
        input.sentenceOffsets = sentenceOffsets;
        return input;
    }

    /** Sentences this input holds; 0 for tasks that do not split sentences. */
    public int sentences() {
        return sentenceTokenIds == null ? 0 : sentenceTokenIds.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskInput other
                && truncated == other.truncated
                && untruncatedLength == other.untruncatedLength
                && unknownTokens == other.unknownTokens
                && Objects.equals(task, other.task)
                && Arrays.equals(tokenIds, other.tokenIds)
                && Arrays.deepEquals(sentenceTokenIds, other.sentenceTokenIds)
                && Arrays.equals(sentenceOffsets, other.sentenceOffsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(task, Arrays.hashCode(tokenIds), truncated, untruncatedLength, unknownTokens,
                Arrays.deepHashCode(sentenceTokenIds), Arrays.hashCode(sentenceOffsets));
    }

    @Override
    public String toString() {
        return "TaskInput{task=" + task + ", tokens=" + (tokenIds == null ? 0 : tokenIds.length)
                + (sentenceTokenIds == null ? "" : ", sentences=" + sentenceTokenIds.length)
                + ", truncated=" + truncated + '}';
    }
}
