package io.textintel.operators.inference;

import io.textintel.operators.embedding.ZeroShotScores;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TaskKind#ZERO_SHOT_TAG}: topic tags by the similarity of the text's embedding to the
 * embeddings of each label's descriptions ({@link ZeroShotSettings}), on any embedding model. The
 * descriptions are embedded once, when the task opens, on the same engine as the documents.
 */
final class ZeroShotTagTask implements TaskType {

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return EncoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<float[]> runner(ModelTask task, TaskResources resources) throws IOException {
        ZeroShotSettings settings = task.zeroShot();
        EncoderEngine engine = resources.engine(task);
        EncoderTexts.requireEmbedder(task, engine, "tags zero-shot by embeddings");
        TextTokenizer tokenizer = resources.tokenizer(task);
        List<String> texts = new ArrayList<>();
        settings.descriptions().forEach(texts::addAll);
        float[][] flat = EncoderTexts.embedAll(engine, EncoderTexts.ids(tokenizer, settings.labelPrefix(), texts),
                "task '" + task.name() + "': label descriptions");
        float[][][] byLabel = new float[settings.labels().size()][][];
        int next = 0;
        for (int label = 0; label < byLabel.length; label++) {
            int count = settings.descriptions().get(label).size();
            byLabel[label] = new float[count][];
            for (int d = 0; d < count; d++) {
                byLabel[label][d] = flat[next++];
            }
        }
        String revision = resources.model(task).revision();
        ZeroShotScores scores = new ZeroShotScores(byLabel, settings.temperature(), settings.multiLabel());
        return new EmbeddingHeadRunner(task, engine, settings.labels(), scores::scores, revision,
                version(task, settings, revision));
    }

    /** What the label embeddings and scores are built from. */
    private static String version(ModelTask task, ZeroShotSettings settings, String revision) {
        HeadVersion version = new HeadVersion("zero-shot").add(task.modelId()).add(revision).add(task.maxLength())
                .add(task.prefix()).add(settings.labelPrefix()).add(settings.temperature())
                .add(settings.multiLabel()).add(settings.labels().size());
        for (int i = 0; i < settings.labels().size(); i++) {
            version.add(settings.labels().get(i)).add(settings.descriptions().get(i).size());
            settings.descriptions().get(i).forEach(version::add);
        }
        return version.finish();
    }
}
