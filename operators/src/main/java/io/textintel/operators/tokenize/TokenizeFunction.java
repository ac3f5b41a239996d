package io.textintel.operators.tokenize;

import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.SharedModels;
import io.textintel.operators.inference.SharedResources;
import io.textintel.schemas.PipelineStage;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;

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
 * {@code tokenizer.json}), truncating to the task's limit and recording when it did.
 *
 * <p>Tasks run by a decoder ({@link io.textintel.operators.inference.TaskKind#isGenerative()}) are
 * not tokenized for the model here: the decoder engine tokenizes each text inside its chat prompt.
 * Their input records the text's token count (without special tokens) and carries no ids.
 *
 * <p>A record the tokenizer cannot handle goes to the dead-letter side output with stage TOKENIZE.
 */
public class TokenizeFunction extends ProcessFunction<DecodedRecord, TokenizedDocument> {

    private final List<ModelTask> tasks;
    private final ModelRepository repository;

    private transient List<SharedResources.Lease<TextTokenizer>> tokenizers;
    private transient Counter truncated;
    private transient Counter rejected;
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
        tokenizers = new ArrayList<>(tasks.size());
        for (ModelTask task : tasks) {
            int maxLength = task.maxLength() == 0 ? Integer.MAX_VALUE : task.maxLength();
            tokenizers.add(SharedModels.tokenizer(repository.resolve(task).directory(), maxLength));
        }
        truncated = getRuntimeContext().getMetricGroup().counter("textsTruncated");
        rejected = getRuntimeContext().getMetricGroup().counter("tokenizeDeadLetters");
        clock = Clock.systemUTC();
    }

    @Override
    public void processElement(DecodedRecord in, Context ctx, Collector<TokenizedDocument> out) {
        TaskInput[] inputs = new TaskInput[tasks.size()];
        try {
            for (int i = 0; i < inputs.length; i++) {
                if (tasks.get(i).kind().isGenerative()) {
                    inputs[i] = countTokens(i, in.record.getText());
                    continue;
                }
                TokenizedText tokens = tokenizers.get(i).get().encode(in.record.getText());
                if (tokens.ids().length == 0) {
                    throw new IllegalArgumentException("text produced no tokens for task '" + tasks.get(i).name() + "'");
                }
                if (tokens.truncated()) {
                    truncated.inc();
                }
                inputs[i] = new TaskInput(tasks.get(i).name(), tokens.ids(), tokens.truncated(),
                        tokens.untruncatedLength(), tokens.unknownTokens());
            }
        } catch (RuntimeException e) {
            rejected.inc();
            ctx.output(DeadLetters.TAG, DeadLetters.of(DeadLetters.bytesOf(in.record), PipelineStage.TOKENIZE,
                    "tokenization failed: " + DeadLetters.reasonOf(e), in.record.getId(), in.provenance, clock));
            return;
        }
        out.collect(new TokenizedDocument(in.record, in.provenance, inputs));
    }

    /**
     * A decoder task's input: its token count only. The decoder engine tokenizes the text inside its
     * chat prompt itself (and splits text too long for its context), so no ids travel.
     */
    private TaskInput countTokens(int task, String text) {
        TokenizedText tokens = tokenizers.get(task).get().encode(text, false);
        if (tokens.untruncatedLength() == 0) {
            throw new IllegalArgumentException("text produced no tokens for task '" + tasks.get(task).name() + "'");
        }
        return new TaskInput(tasks.get(task).name(), new int[0], false, tokens.untruncatedLength(),
                tokens.unknownTokens());
    }

    @Override
    public void close() {
        if (tokenizers != null) {
            tokenizers.forEach(SharedResources.Lease::close);
            tokenizers = null;
        }
    }
}
