package io.textintel.sql.model;

import static io.textintel.sql.model.TextIntelModelOptions.*;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

import java.util.Set;

/**
 * The {@code textintel} model provider, found by Flink's factory discovery
 * ({@code META-INF/services/org.apache.flink.table.factories.Factory}):
 *
 * <pre>{@code
 * CREATE MODEL feedback_embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)
 * WITH ('provider' = 'textintel', 'task' = 'embed', 'model' = 'maven:all-minilm-l6-v2');
 * }</pre>
 *
 * <p>Checks every option ({@link TextIntelModelOptions}) and the declared INPUT and OUTPUT against the
 * task when the model is planned, reads a few-shot task's example file then, and gives the planner an
 * asynchronous provider ({@link TextIntelPredictFunction}).
 */
public final class TextIntelModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "textintel";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TASK, MODEL);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(MODE, REVISION, MAX_LENGTH, PREFIX, TOP_K, MIN_SCORE, LABELS, MULTI_LABEL, EXAMPLES,
                TEMPERATURE, MAX_SUMMARY_TOKENS, MAX_SENTENCES, HUB_CACHE_DIR, HUB_OFFLINE, ENGINE_BACKEND,
                ENGINE_THREADS, ENGINE_MAX_BATCH_SIZE, ENGINE_MAX_BATCH_TOKENS, ENGINE_MAX_BATCH_DELAY,
                ENGINE_MAX_QUEUED_REQUESTS, ENGINE_KV_CACHE_BLOCKS, ENGINE_KV_BLOCK_SIZE, ENGINE_GPU_INDEX,
                ENGINE_WEIGHTS, TIMEOUT, RETRIES, RETRY_DELAY);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        String model = context.getObjectIdentifier().getObjectName();
        ModelSpec spec = ModelSpecReader.read(model, helper.getOptions());
        ResolvedCatalogModel catalogModel = context.getCatalogModel();
        spec.output().check(model, context.getCatalogModel().getOptions().get(TASK.key()),
                catalogModel.getResolvedInputSchema(), catalogModel.getResolvedOutputSchema());
        return new TextIntelModelProvider(spec);
    }
}
