package io.textintel.operators.inference;

import io.textintel.schemas.TextRecord;

/** Turns a record into the tokens one task will see; opened by the tokenize operator. */
public interface TaskTokenizer {

    /**
     * The task's input for {@code record}.
     *
     * @throws IllegalArgumentException when the text cannot be tokenized for the task (the record
     *     becomes a dead letter)
     */
    TaskInput tokenize(TextRecord record);
}
