package io.textintel.sql.model;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;

import java.io.Serializable;
import java.time.Duration;

/**
 * A textintel model as {@code CREATE MODEL} declared it, checked: what the prediction function
 * carries into the job graph.
 *
 * @param task the model task (its name is the model's)
 * @param repository where the model's checkpoint comes from
 * @param engine the per-JVM engine's settings
 * @param timeout how long one row may wait for its prediction, retries included
 * @param retries retries of a request refused as overloaded or failed on the backend
 * @param retryDelay the first delay between retries, doubled on each retry
 * @param output what the model's one output column holds
 */
record ModelSpec(ModelTask task, ModelRepository repository, EngineSettings engine, Duration timeout, int retries,
        Duration retryDelay, PredictionColumn output) implements Serializable {}
