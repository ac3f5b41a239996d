package io.textintel.sql.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.serving.engine.EngineException;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The inference operator's rules, per row, in the predict function: OVERLOADED and BACKEND failures
 * are retried, used-up retries fail the row, a refused input and a timeout give a NULL prediction
 * and a timed-out request is cancelled. The engine is a scripted stand-in.
 */
class TextIntelPredictFunctionTest {

    private static final float[] EMBEDDING = {0.6f, 0.8f};

    private final List<CompletableFuture<TaskPredictor.Prediction>> requests = new ArrayList<>();
    private TextIntelPredictFunction function;

    @AfterEach
    void close() {
        if (function != null) {
            function.close();
        }
    }

    /** A function whose n-th request (from 0) is answered by {@code answer}. */
    private TextIntelPredictFunction open(Duration timeout, int retries,
            Function<Integer, CompletableFuture<TaskPredictor.Prediction>> answer) throws Exception {
        ModelSpec spec = new ModelSpec(ModelTask.embed("m", "/nowhere/m", null), ModelRepository.defaults(),
                EngineSettings.defaults(), timeout, retries, Duration.ofMillis(1), PredictionColumn.EMBEDDING);
        function = new TextIntelPredictFunction(spec, ignored -> new TextIntelPredictFunction.Predictor() {
            @Override
            public CompletableFuture<TaskPredictor.Prediction> predict(String text) {
                if (text.isEmpty()) {
                    throw new IllegalArgumentException("text produced no tokens for task 'm'");
                }
                CompletableFuture<TaskPredictor.Prediction> request = answer.apply(requests.size());
                requests.add(request);
                return request;
            }

            @Override
            public void registerEngineMetrics(MetricGroup group) {}

            @Override
            public void close() {}
        });
        function.open(new FunctionContext(null));
        return function;
    }

    private static CompletableFuture<TaskPredictor.Prediction> failed(EngineException.Kind kind) {
        return CompletableFuture.failedFuture(new EngineException(kind, "engine says " + kind));
    }

    private static CompletableFuture<TaskPredictor.Prediction> predicted() {
        return CompletableFuture.completedFuture(new TaskPredictor.Prediction(EMBEDDING, List.of(), null, 3, false));
    }

    private static RowData row(String text) {
        return GenericRowData.of(text == null ? null : StringData.fromString(text));
    }

    private static RowData only(CompletableFuture<Collection<RowData>> result) throws Exception {
        Collection<RowData> rows = result.get(10, TimeUnit.SECONDS);
        assertThat(rows).hasSize(1);
        return rows.iterator().next();
    }

    @Test
    void overloadedAndBackendFailuresAreRetriedUntilThePredictionComes() throws Exception {
        open(Duration.ofSeconds(10), 3, n -> switch (n) {
            case 0 -> failed(EngineException.Kind.OVERLOADED);
            case 1 -> failed(EngineException.Kind.BACKEND);
            default -> predicted();
        });
        RowData row = only(function.asyncPredict(row("late parcel")));
        assertThat(row.getArray(0).toFloatArray()).containsExactly(EMBEDDING);
        assertThat(requests).hasSize(3);
    }

    @Test
    void retriesUsedUpFailTheRowNamingTheOption() throws Exception {
        open(Duration.ofSeconds(10), 2, n -> failed(EngineException.Kind.OVERLOADED));
        assertThatThrownBy(() -> function.asyncPredict(row("late parcel")).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("model 'm': prediction failed after 2 retries (option 'retries'): engine says"
                        + " OVERLOADED");
        assertThat(requests).as("the first try and two retries").hasSize(3);
    }

    @Test
    void otherFailuresAreNotRetried() throws Exception {
        open(Duration.ofSeconds(10), 3, n -> failed(EngineException.Kind.LOAD));
        assertThatThrownBy(() -> function.asyncPredict(row("late parcel")).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("model 'm': prediction failed: engine says LOAD");
        assertThat(requests).hasSize(1);
    }

    @Test
    void aRefusedInputGetsANullPrediction() throws Exception {
        open(Duration.ofSeconds(10), 3, n -> failed(EngineException.Kind.INPUT));
        assertThat(only(function.asyncPredict(row("late parcel"))).isNullAt(0)).isTrue();
        assertThat(only(function.asyncPredict(row(""))).isNullAt(0)).as("a text without tokens").isTrue();
        assertThat(requests).as("INPUT is not retried; a text without tokens is never sent").hasSize(1);
    }

    @Test
    void aRowUnansweredAtTheTimeoutGetsANullPredictionAndItsRequestIsCancelled() throws Exception {
        open(Duration.ofMillis(50), 3, n -> new CompletableFuture<>());
        assertThat(only(function.asyncPredict(row("late parcel"))).isNullAt(0)).isTrue();
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0)).isCancelled();
    }

    @Test
    void aNullTextGetsANullPredictionWithoutARequest() throws Exception {
        open(Duration.ofSeconds(10), 3, n -> predicted());
        assertThat(only(function.asyncPredict(row(null))).isNullAt(0)).isTrue();
        assertThat(requests).isEmpty();
    }
}
