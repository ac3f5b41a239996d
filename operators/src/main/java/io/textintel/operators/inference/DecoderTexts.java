package io.textintel.operators.inference;

import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;

import java.io.IOException;

/**
 * The tokenize step of decoder tasks: the text's token count only. The decoder engine tokenizes the
 * text inside its chat prompt itself (and splits text too long for its context), so no ids travel.
 */
final class DecoderTexts {

    private DecoderTexts() {}

    static TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        TextTokenizer tokenizer = resources.tokenizer(task);
        return record -> {
            TokenizedText tokens = tokenizer.encode(record.getText(), false);
            if (tokens.untruncatedLength() == 0) {
                throw new IllegalArgumentException("text produced no tokens for task '" + task.name() + "'");
            }
            return new TaskInput(task.name(), new int[0], false, tokens.untruncatedLength(), tokens.unknownTokens());
        };
    }
}
