package io.textintel.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.operators.inference.InferenceFunction;
import io.textintel.operators.inference.InferenceOutcome;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskInput;
import io.textintel.operators.inference.TaskResources;
import io.textintel.operators.inference.TaskTokenizer;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs model tasks on records through the inference operator, outside a job, exactly as the pipeline
 * runs them (tokenized by each task's tokenizer, batched on the shared engines); for tests that measure
 * what the demo's tasks compute on thousands of texts without Kafka and Elasticsearch.
 */
final class OperatorRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OperatorRun() {}

    /** The demo's JSON lines as records: id, text, language and event time. */
    static List<TextRecord> records(List<String> jsonLines) throws IOException {
        List<TextRecord> records = new ArrayList<>();
        for (String line : jsonLines) {
            JsonNode row = JSON.readTree(line);
            records.add(TextRecord.newBuilder().setId(row.get("id").asText()).setText(row.get("text").asText())
                    .setLanguage(row.get("language").asText())
                    .setEventTime(Instant.parse(row.get("event_time").asText())).build());
        }
        return records;
    }

    /** Each record's enriched document, in the records' order; a dead letter fails the caller's test. */
    static List<EnrichedDocument> enrich(List<ModelTask> tasks, PipelineConfig config, List<TextRecord> records)
            throws Exception {
        InferenceFunction function = new InferenceFunction(tasks, config.hub(), config.engine(), 600_000);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        function.open(DefaultOpenContext.INSTANCE);
        try (TaskResources resources = TaskResources.forTokenizing(config.hub())) {
            List<TaskTokenizer> tokenizers = new ArrayList<>();
            for (ModelTask task : tasks) {
                tokenizers.add(resources.openTokenizer(task));
            }
            List<CompletableFuture<Collection<InferenceOutcome>>> results = new ArrayList<>();
            for (TextRecord record : records) {
                TaskInput[] inputs = new TaskInput[tasks.size()];
                for (int t = 0; t < inputs.length; t++) {
                    inputs[t] = tokenizers.get(t).tokenize(record);
                }
                CompletableFuture<Collection<InferenceOutcome>> result = new CompletableFuture<>();
                function.asyncInvoke(new TokenizedDocument(record, null, inputs), completing(result));
                results.add(result);
            }
            List<EnrichedDocument> documents = new ArrayList<>();
            for (CompletableFuture<Collection<InferenceOutcome>> result : results) {
                InferenceOutcome outcome = result.get(10, TimeUnit.MINUTES).iterator().next();
                assertThat(outcome.document).as("an enriched document, not a dead letter").isNotNull();
                documents.add(outcome.document);
            }
            return documents;
        } finally {
            function.close();
        }
    }

    private static ResultFuture<InferenceOutcome> completing(CompletableFuture<Collection<InferenceOutcome>> result) {
        return new ResultFuture<>() {
            @Override
            public void complete(Collection<InferenceOutcome> outcomes) {
                result.complete(outcomes);
            }

            @Override
            public void complete(CollectionSupplier<InferenceOutcome> supplier) {
                try {
                    result.complete(supplier.get());
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void completeExceptionally(Throwable error) {
                result.completeExceptionally(error);
            }
        };
    }
}
