package io.textintel.operators.inference;

import io.textintel.operators.embedding.LogisticRegression;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * {@link TaskKind#FEW_SHOT_TAG}: topic tags from a {@link LogisticRegression} head fitted, when the
 * task opens, on the embeddings of the task's labelled examples ({@link FewShotSettings}). The
 * examples are embedded on the same engine, with the same prefix, as the documents; the fit is
 * deterministic, so every subtask and every replay has the same head, whose version each document's
 * model reference records.
 */
final class FewShotTagTask implements TaskType {

    private static final Logger LOG = LoggerFactory.getLogger(FewShotTagTask.class);

    /** Enough for the regularised objective to converge to the tolerance on any few-shot set seen. */
    static final int MAX_ITERATIONS = 5000;
    static final double TOLERANCE = 1e-6;

    @Override
    public TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        return EncoderTexts.tokenizer(task, resources);
    }

    @Override
    public TaskRunner<float[]> runner(ModelTask task, TaskResources resources) throws IOException {
        FewShotSettings settings = task.fewShot();
        EncoderEngine engine = resources.engine(task);
        EncoderTexts.requireEmbedder(task, engine, "tags few-shot by embeddings");
        TextTokenizer tokenizer = resources.tokenizer(task);
        List<String> texts = settings.examples().stream().map(LabelledExample::text).toList();
        float[][] x = EncoderTexts.embedAll(engine, EncoderTexts.ids(tokenizer, task.prefix(), texts),
                "task '" + task.name() + "': examples");
        double[][] y = targets(settings);
        LogisticRegression.Link link = settings.multiLabel() ? LogisticRegression.Link.SIGMOID
                : LogisticRegression.Link.SOFTMAX;
        LogisticRegression.Fit fit = LogisticRegression.fit(x, y, link, settings.regularization(), MAX_ITERATIONS,
                TOLERANCE);
        String revision = resources.model(task).revision();
        String head = version(task, settings, revision);
        LOG.info("Task '{}': fitted few-shot head {} on {} examples of {} labels in {} iterations (gradient norm {})",
                task.name(), head, x.length, settings.labels().size(), fit.iterations(), fit.gradientNorm());
        return new EmbeddingHeadRunner(task, engine, settings.labels(), fit.head()::probabilities, revision, head);
    }

    /** Per example, 1 for each of its labels. */
    static double[][] targets(FewShotSettings settings) {
        List<String> labels = settings.labels();
        double[][] y = new double[settings.examples().size()][labels.size()];
        for (int i = 0; i < y.length; i++) {
            for (String label : settings.examples().get(i).labels()) {
                y[i][labels.indexOf(label)] = 1;
            }
        }
        return y;
    }

    /** What the head is fitted from: the model, the tokenization, the settings and every example in order. */
    private static String version(ModelTask task, FewShotSettings settings, String revision) {
        HeadVersion version = new HeadVersion("few-shot").add(task.modelId()).add(revision).add(task.maxLength())
                .add(task.prefix()).add(settings.regularization()).add(settings.multiLabel())
                .add(MAX_ITERATIONS).add(TOLERANCE).add(settings.labels().size());
        settings.labels().forEach(version::add);
        version.add(settings.examples().size());
        for (LabelledExample example : settings.examples()) {
            version.add(example.text()).add(example.labels().size());
            example.labels().forEach(version::add);
        }
        return version.finish();
    }
}
