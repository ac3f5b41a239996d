package io.textintel.operators.inference;

import java.io.IOException;

/**
 * How the tasks of one {@link TaskKind} tokenize and run: the one place a kind is implemented.
 *
 * <p>The tokenize operator opens a task's {@link #tokenizer}, the inference operator its
 * {@link #runner}; each leases what it needs from the operator's {@link TaskResources}, which gives
 * it all back when the operator closes.
 */
interface TaskType {

    /** What turns a record's text into the task's {@link TaskInput}. */
    TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException;

    /**
     * What computes the task's result from a document's input and writes it into the document. Fails
     * with IllegalArgumentException naming the task and model when the model cannot do the task.
     */
    TaskRunner<?> runner(ModelTask task, TaskResources resources) throws IOException;
}
