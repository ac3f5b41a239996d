package io.textintel.sql.model;

import io.textintel.operators.inference.EngineMetricGroups;
import io.textintel.operators.inference.InferenceFunction;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.serving.engine.EngineException;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code ML_PREDICT} on a textintel model: each row's text goes to the engine this JVM shares for the
 * model ({@link TaskPredictor}), so the rows that every subtask has in flight are batched together.
 *
 * <p>The pipeline's inference rules, per row: an engine that refuses the request as overloaded or
 * fails on its backend is retried ({@code retries}, from {@code retry-delay}, doubling); a text the
 * model cannot take (no tokens, refused as input) and a row still unanswered at {@code timeout} get a
 * NULL prediction, counted ({@code predictionsRejected}, {@code predictionsTimedOut}) and logged, and
 * the timed-out row's engine request is cancelled; retries used up fail the job, as in the pipeline.
 * A NULL text gets a NULL prediction. Predictions are deterministic for a model and text, so a row
 * replayed after a failure gets the same one.
 *
 * <p>The engines' figures are registered in the function's metric group as the inference operator
 * registers them ({@link EngineMetricGroups}: {@code textintel.model.<model>.engine.<engine>}), so a
 * SQL job's engines show in Prometheus as the pipeline's do; they are removed when the function closes.
 */
public final class TextIntelPredictFunction extends AsyncPredictFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TextIntelPredictFunction.class);

    private final ModelSpec spec;
    private final Opener opener;

    private transient Predictor predictor;
    private transient ScheduledThreadPoolExecutor timer;
    private transient Counter rejected;
    private transient Counter timedOut;
    private transient Counter retried;

    TextIntelPredictFunction(ModelSpec spec) {
        this(spec, TextIntelPredictFunction::openTask);
    }

    /** With {@code opener} in place of the shared engines (tests). */
    TextIntelPredictFunction(ModelSpec spec, Opener opener) {
        this.spec = spec;
        this.opener = opener;
    }

    private static Predictor openTask(ModelSpec spec) throws Exception {
        TaskPredictor task = TaskPredictor.open(spec.task(), spec.repository(), spec.engine());
        return new Predictor() {
            private EngineMetricGroups metrics;

            @Override
            public CompletableFuture<TaskPredictor.Prediction> predict(String text) {
                return task.predict(text);
            }

            @Override
            public void registerEngineMetrics(MetricGroup group) {
                metrics = task.registerEngineMetrics(group);
            }

            @Override
            public void close() {
                if (metrics != null) {
                    metrics.close();
                }
                task.close();
            }
        };
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        predictor = opener.open(spec);
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "textintel-predict-timer-" + spec.task().name());
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        rejected = context.getMetricGroup().counter("predictionsRejected");
        timedOut = context.getMetricGroup().counter("predictionsTimedOut");
        retried = context.getMetricGroup().counter("predictionRetries");
        predictor.registerEngineMetrics(context.getMetricGroup());
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        if (input.isNullAt(0)) {
            result.complete(List.of(PredictionColumn.nullRow()));
            return result;
        }
        Attempts attempts = new Attempts(input.getString(0).toString(), result);
        ScheduledFuture<?> deadline = timer.schedule(attempts::timeout, spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((rows, error) -> deadline.cancel(false));
        attempts.start();
        return result;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        if (predictor != null) {
            predictor.close();
            predictor = null;
        }
    }

    /** What predicts a text: the model's {@link TaskPredictor}. */
    interface Predictor extends AutoCloseable {
        /** As {@link TaskPredictor#predict}: IllegalArgumentException for a text without tokens. */
        CompletableFuture<TaskPredictor.Prediction> predict(String text);

        /** Registers the figures of the engines the predictor leases in {@code group}, until it closes. */
        void registerEngineMetrics(MetricGroup group);

        /** Removes the engines' metrics, then gives the engines back. */
        @Override
        void close();
    }

    /** Opens the {@link Predictor} of a model when the function opens. */
    @FunctionalInterface
    interface Opener extends Serializable {
        Predictor open(ModelSpec spec) throws Exception;
    }

    /** The tries of one row's prediction, until one answers, the retries run out or the timeout passes. */
    private final class Attempts {
        private final String text;
        private final CompletableFuture<Collection<RowData>> result;
        private int retries;
        private volatile CompletableFuture<TaskPredictor.Prediction> current;

        Attempts(String text, CompletableFuture<Collection<RowData>> result) {
            this.text = text;
            this.result = result;
        }

        void start() {
            if (result.isDone()) {
                return; // timed out while waiting to retry
            }
            CompletableFuture<TaskPredictor.Prediction> prediction;
            try {
                prediction = predictor.predict(text);
            } catch (IllegalArgumentException e) {
                reject(e.getMessage());
                return;
            }
            current = prediction;
            if (result.isDone()) {
                prediction.cancel(false); // timed out while this try started: timeout() may have missed it
                return;
            }
            prediction.whenComplete((value, error) -> {
                if (error == null) {
                    result.complete(List.of(spec.output().row(value)));
                } else {
                    failed(error);
                }
            });
        }

        private void failed(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof CancellationException) {
                return; // cancelled by timeout(), which has completed the row
            }
            if (cause instanceof EngineException e && e.kind() == EngineException.Kind.INPUT) {
                reject(e.getMessage());
            } else if (InferenceFunction.isRetryable(cause) && retries < spec.retries()) {
                long delay = spec.retryDelay().toMillis() << Math.min(retries, 30);
                retries++;
                retried.inc();
                timer.schedule(this::start, delay, TimeUnit.MILLISECONDS);
            } else {
                result.completeExceptionally(new IllegalStateException(String.format(
                        "model '%s': prediction failed%s: %s", spec.task().name(),
                        retries == 0 ? "" : " after " + retries + " retries (option 'retries')", cause.getMessage()),
                        cause));
            }
        }

        private void reject(String reason) {
            if (result.complete(List.of(PredictionColumn.nullRow()))) {
                rejected.inc();
                LOG.warn("Model '{}' refused a text of {} characters, its prediction is NULL: {}", spec.task().name(),
                        text.length(), reason);
            }
        }

        void timeout() {
            if (result.isDone()) {
                return;
            }
            // The engine drops a cancelled request that has not run yet, so a timed-out row stops costing work;
            // cancelled before the row completes, so that whoever sees the NULL sees the request cancelled.
            CompletableFuture<TaskPredictor.Prediction> pending = current;
            if (pending != null) {
                pending.cancel(false);
            }
            if (result.complete(List.of(PredictionColumn.nullRow()))) {
                timedOut.inc();
                LOG.warn("Model '{}' did not predict a text of {} characters within {} (option 'timeout'), its"
                        + " prediction is NULL: the engine was busy with other rows, or this one needs more work"
                        + " than the timeout allows", spec.task().name(), text.length(), spec.timeout());
            }
        }
    }
}
