package io.textintel.sql.model;

import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/** A textintel model as the planner sees it: asynchronous prediction only, on the shared engine. */
final class TextIntelModelProvider implements AsyncPredictRuntimeProvider {

    private final ModelSpec spec;

    TextIntelModelProvider(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new TextIntelPredictFunction(spec);
    }

    @Override
    public ModelProvider copy() {
        return new TextIntelModelProvider(spec);
    }

    ModelSpec spec() {
        return spec;
    }
}
