package io.textintel.operators.tokenize;

import java.util.Arrays;
import java.util.Objects;

/** The tokens one model task will see for one document: a Flink POJO. */
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

    public TaskInput() {}

    public TaskInput(String task, int[] tokenIds, boolean truncated, int untruncatedLength, int unknownTokens) {
        this.task = task;
        this.tokenIds = tokenIds;
        this.truncated = truncated;
        this.untruncatedLength = untruncatedLength;
        this.unknownTokens = unknownTokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskInput other
                && truncated == other.truncated
                && untruncatedLength == other.untruncatedLength
                && unknownTokens == other.unknownTokens
                && Objects.equals(task, other.task)
                && Arrays.equals(tokenIds, other.tokenIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(task, Arrays.hashCode(tokenIds), truncated, untruncatedLength, unknownTokens);
    }

    @Override
    public String toString() {
        return "TaskInput{task=" + task + ", tokens=" + (tokenIds == null ? 0 : tokenIds.length)
                + ", truncated=" + truncated + '}';
    }
}
