package io.textintel.benchmarks;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskPredictor;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of {@link MlPredictReport}: a model provider ({@code textintel-per-row}) that embeds
 * one row at a time, as a provider calling a remote service per row does: a synchronous
 * {@link PredictFunction} that waits for each row's embedding before it takes the next row. It runs
 * the same model on the same shared engine as the {@code textintel} provider, so the difference is
 * only in how many rows are in flight.
 */
public final class PerRowModelProviderFactory implements ModelProviderFactory {

    static final ConfigOption<String> MODEL = ConfigOptions.key("model").stringType().noDefaultValue();
    static final ConfigOption<Integer> THREADS = ConfigOptions.key("engine.threads").intType().defaultValue(1);

    @Override
    public String factoryIdentifier() {
        return "textintel-per-row";
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(MODEL);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(THREADS);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        return new Provider(helper.getOptions().get(MODEL), helper.getOptions().get(THREADS));
    }

    private record Provider(String model, int threads) implements PredictRuntimeProvider {

        @Override
        public PredictFunction createPredictFunction(Context context) {
            return new PerRowEmbed(model, threads);
        }

        @Override
        public ModelProvider copy() {
            return new Provider(model, threads);
        }
    }

    /** Public: the planner's generated code instantiates it. */
    public static final class PerRowEmbed extends PredictFunction {
        private final String model;
        private final int threads;
        private transient TaskPredictor predictor;

        PerRowEmbed(String model, int threads) {
            this.model = model;
            this.threads = threads;
        }

        @Override
        public void open(FunctionContext context) throws Exception {
            predictor = TaskPredictor.open(ModelTask.embed("per-row", model, null), ModelRepository.defaults(),
                    new EngineSettings("cpu", threads, null, null, null, null));
        }

        @Override
        public Collection<RowData> predict(RowData input) {
            try {
                float[] embedding = predictor.predict(input.getString(0).toString()).get(60, TimeUnit.SECONDS)
                        .embedding();
                return List.of(GenericRowData.of(new GenericArrayData(embedding)));
            } catch (Exception e) {
                throw new IllegalStateException("per-row embedding failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (predictor != null) {
                predictor.close();
            }
        }
    }
}
