package io.textintel.operators.tokenize;

import io.textintel.operators.DeadLetterCounters;
import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskInput;
import io.textintel.operators.inference.TaskResources;
import io.textintel.operators.inference.TaskTokenizer;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.DeadLetterReason;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes each record once per model task with that task's tokenizer (its checkpoint's
 * {@code tokenizer.json}), the way the task's kind asks: encoder tasks get the ids of their prefix
 * and the text, truncated to the task's limit (recorded when it cuts); extractive summaries the ids
 * of each sentence; decoder tasks only the text's token count, since the decoder engine tokenizes
 * each text inside its chat prompt itself.
 *
 * <p>A record the tokenizer cannot handle goes to the dead-letter side output with stage TOKENIZE.
 */
public class TokenizeFunction extends ProcessFunction<DecodedRecord, TokenizedDocument> {

    private final List<ModelTask> tasks;
    private final ModelRepository repository;

    private transient TaskResources resources;
    private transient List<TaskTokenizer> tokenizers;
    private transient Counter truncated;
    private transient Counter rejected;
    private transient DeadLetterCounters deadLetters;
    private transient Clock clock;

    public TokenizeFunction(List<ModelTask> tasks, ModelRepository repository) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("tasks must not be empty: the pipeline needs at least one model task");
        }
        this.tasks = List.copyOf(tasks);
        this.repository = repository;
    }

    @Override
    public void open(OpenContext openContext) throws IOException {
        resources = TaskResources.forTokenizing(repository);
        tokenizers = new ArrayList<>(tasks.size());
        for (ModelTask task : tasks) {
            tokenizers.add(resources.openTokenizer(task));
        }
        truncated = getRuntimeContext().getMetricGroup().counter("textsTruncated");
        rejected = getRuntimeContext().getMetricGroup().counter("tokenizeDeadLetters");
        deadLetters = new DeadLetterCounters(getRuntimeContext().getMetricGroup(), DeadLetterReason.TOKENIZER_FAILURE);
        clock = Clock.systemUTC();
    }

    @Override
    public void processElement(DecodedRecord in, Context ctx, Collector<TokenizedDocument> out) {
        TaskInput[] inputs = new TaskInput[tasks.size()];
        try {
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = tokenizers.get(i).tokenize(in.record);
                if (inputs[i].truncated) {
                    truncated.inc();
                }
            }
        } catch (RuntimeException e) {
            rejected.inc();
            deadLetters.count(DeadLetterReason.TOKENIZER_FAILURE);
            ctx.output(DeadLetters.TAG, DeadLetters.of(DeadLetters.bytesOf(in.record), DeadLetterReason.TOKENIZER_FAILURE,
                    "tokenization failed: " + DeadLetters.reasonOf(e), in.record.getId(), in.provenance, clock));
            return;
        }
        out.collect(new TokenizedDocument(in.record, in.provenance, inputs));
    }

    @Override
    public void close() {
        if (resources != null) {
            resources.close();
            resources = null;
        }
    }
}
