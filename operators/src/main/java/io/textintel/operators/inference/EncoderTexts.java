package io.textintel.operators.inference;

import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How encoder tasks turn texts into token ids (the task's prefix, then the text, with the model's
 * special tokens, truncated to the task's limit) and, when a task opens, into embeddings.
 */
final class EncoderTexts {

    /** Requests in flight at once while embedding at start-up: well below any engine's queue limit. */
    private static final int STARTUP_WINDOW = 32;
    private static final long STARTUP_TIMEOUT_SECONDS = 600;

    private EncoderTexts() {}

    /** The tokenize step of an encoder task: the document's text after the task's prefix. */
    static TaskTokenizer tokenizer(ModelTask task, TaskResources resources) throws IOException {
        TextTokenizer tokenizer = resources.tokenizer(task);
        return record -> {
            TokenizedText tokens = tokenizer.encode(task.prefix() + record.getText());
            if (tokens.ids().length == 0) {
                throw new IllegalArgumentException("text produced no tokens for task '" + task.name() + "'");
            }
            return new TaskInput(task.name(), tokens.ids(), tokens.truncated(), tokens.untruncatedLength(),
                    tokens.unknownTokens());
        };
    }

    /** The token ids of {@code texts}, each after {@code prefix}, in one batch. */
    static List<int[]> ids(TextTokenizer tokenizer, String prefix, List<String> texts) {
        List<String> prefixed = texts.stream().map(text -> prefix + text).toList();
        return tokenizer.encodeBatch(prefixed).stream().map(TokenizedText::ids).toList();
    }

    /**
     * Embeds token sequences when a task opens (label descriptions, examples), a window of requests
     * at a time, waiting for all.
     *
     * @param what what the texts are, for messages ("task 'topics': examples")
     */
    static float[][] embedAll(EncoderEngine engine, List<int[]> ids, String what) throws IOException {
        float[][] embeddings = new float[ids.size()][];
        for (int start = 0; start < ids.size(); start += STARTUP_WINDOW) {
            int end = Math.min(ids.size(), start + STARTUP_WINDOW);
            List<CompletableFuture<float[]>> window = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                window.add(engine.embed(ids.get(i)));
            }
            for (int i = start; i < end; i++) {
                try {
                    embeddings[i] = window.get(i - start).get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new IOException(what + ": embedding text " + i + " failed: " + e.getCause().getMessage(),
                            e.getCause());
                } catch (TimeoutException e) {
                    throw new IOException(what + ": embedding text " + i + " took over " + STARTUP_TIMEOUT_SECONDS
                            + " s", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(what + ": interrupted while embedding", e);
                }
            }
        }
        return embeddings;
    }

    /** Fails unless the task's engine embeds. */
    static void requireEmbedder(ModelTask task, EncoderEngine engine, String purpose) {
        if (!engine.model().embedder()) {
            throw new IllegalArgumentException("task '" + task.name() + "' " + purpose + ", but model "
                    + task.modelId() + " (" + engine.model().architecture() + ") has no embedding output");
        }
    }
}
