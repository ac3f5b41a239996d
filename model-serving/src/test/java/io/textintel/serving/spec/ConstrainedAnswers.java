package io.textintel.serving.spec;

import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The exact distribution of a label trie's complete answers under a model's constrained sampling, for tests. */
public final class ConstrainedAnswers {

    private ConstrainedAnswers() {}

    /** Every complete answer of {@code trie} with its probability under {@code model}'s constrained sampling. */
    public static Map<List<Integer>, Double> distribution(LabelTrie trie, ConstrainedDecoding.NextTokenLogits model,
            SamplingParams params) {
        Map<List<Integer>, Double> answers = new HashMap<>();
        expand(trie, model, params, new int[0], 1.0, answers);
        return answers;
    }

    private static void expand(LabelTrie trie, ConstrainedDecoding.NextTokenLogits model, SamplingParams params,
            int[] prefix, double probability, Map<List<Integer>, Double> answers) {
        if (trie.isComplete(prefix)) {
            answers.put(Arrays.stream(prefix).boxed().toList(), probability);
            return;
        }
        int[] allowed = trie.allowedNext(prefix);
        float[] p = Sampler.distribution(ConstrainedDecoding.mask(model.logits(prefix), allowed), params);
        for (int token : allowed) {
            int[] next = Arrays.copyOf(prefix, prefix.length + 1);
            next[prefix.length] = token;
            expand(trie, model, params, next, probability * p[token], answers);
        }
    }
}
