package io.textintel.serving.task;

import io.textintel.serving.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Summarises texts with an instruction model: one chat request when the text fits the model's
 * context, map-reduce when it does not.
 *
 * <p>The context budget of the text is the model's maximum length less the instruction's tokens,
 * the summary's {@code maxSummaryTokens} and a small margin. A longer text is cut into pieces on
 * sentence boundaries ({@link SentenceSplitter}; a single sentence longer than the budget is cut
 * between words), every piece is summarised (concurrently: the engine batches them), and the
 * pieces' summaries, joined, are summarised again the same way, for at most
 * {@link SummaryOptions#maxLevels()} rounds. If the last round still has several pieces, only the
 * first is summarised.
 *
 * <p>A text longer than {@link SummaryOptions#maxInputTokens()} is cut to its first that many tokens
 * (at a word boundary where one is near) before it is split: the work per document is then at most
 * {@code maxInputTokens / inputBudget} pieces, however long the text. The summary says so
 * ({@link Summary#summarizedTokens()} below {@link Summary#inputTokens()}). Thread-safe.
 */
public final class Summarizer {

    private static final Logger LOG = LoggerFactory.getLogger(Summarizer.class);

    /** The system message of every request. */
    static final String SYSTEM = "You are a careful editor. You summarize documents faithfully and concisely.";

    /** Tokens kept free for tokenisation differences between a text alone and inside the prompt. */
    private static final int MARGIN_TOKENS = 8;

    /** More characters than one token of any tokenizer here covers, in the prefix search of {@link #capped}. */
    static final int MAX_CHARS_PER_TOKEN = 32;

    /** The smallest text budget worth summarising with. */
    static final int MIN_INPUT_TOKENS = 16;

    private final DecoderTasks engine;
    private final SummaryOptions options;
    private final int inputBudget;

    /**
     * @throws IllegalArgumentException if the summary length leaves too little of the model's context for input
     */
    public Summarizer(DecoderTasks engine, SummaryOptions options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = Objects.requireNonNull(options, "options");
        int overhead = engine.promptIds(messages("")).length;
        this.inputBudget = engine.maxSequenceLength() - overhead - options.maxSummaryTokens() - MARGIN_TOKENS;
        if (inputBudget < MIN_INPUT_TOKENS) {
            throw new IllegalArgumentException("max-summary-tokens " + options.maxSummaryTokens() + " leaves "
                    + inputBudget + " of model " + engine.name() + "'s " + engine.maxSequenceLength()
                    + " positions for the text (the instruction takes " + overhead + "), expected at least "
                    + MIN_INPUT_TOKENS + ": lower max-summary-tokens or use a model with a longer context");
        }
    }

    /** Tokens of text one request may take. */
    public int inputBudget() {
        return inputBudget;
    }

    public SummaryOptions options() {
        return options;
    }

    /**
     * Summarises {@code text}; the future fails as the engine's requests do. Cancelling it cancels the
     * engine requests of every piece still running and starts no further round.
     */
    public CompletableFuture<Summary> summarize(String text) {
        Objects.requireNonNull(text, "text");
        long start = System.nanoTime();
        int inputTokens = engine.countTokens(text);
        String summarized = inputTokens <= options.maxInputTokens() ? text : capped(text);
        int summarizedTokens = summarized == text ? inputTokens : engine.countTokens(summarized);
        if (summarized != text) {
            LOG.debug("Summarising the first {} of {} tokens (max-summary-input-tokens {})", summarizedTokens,
                    inputTokens, options.maxInputTokens());
        }
        List<String> pieces = pieces(summarized);
        Run run = new Run();
        CompletableFuture<Summary> summary = reduce(pieces, 1, run).thenApply(last -> new Summary(last.text(),
                inputTokens, last.outputTokens(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                pieces.size(), run.proposed.get(), run.accepted.get(), run.verifySteps.get(), summarizedTokens));
        summary.whenComplete((done, error) -> {
            if (summary.isCancelled()) {
                run.cancel();
            }
        });
        return summary;
    }

    /** One summary's engine requests and their draft counts: every piece of every round. */
    private static final class Run {
        final AtomicInteger proposed = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger verifySteps = new AtomicInteger();
        private final List<CompletableFuture<TextGeneration>> requests = new ArrayList<>();
        private boolean cancelled;

        TextGeneration add(TextGeneration generation) {
            proposed.addAndGet(generation.draftProposed());
            accepted.addAndGet(generation.draftAccepted());
            verifySteps.addAndGet(generation.verifySteps());
            return generation;
        }

        /** Keeps {@code request} to cancel with the summary; cancels it at once if the summary already is. */
        synchronized void track(CompletableFuture<TextGeneration> request) {
            if (cancelled) {
                request.cancel(false);
            } else {
                requests.removeIf(CompletableFuture::isDone);
                requests.add(request);
            }
        }

        synchronized boolean cancelled() {
            return cancelled;
        }

        synchronized void cancel() {
            cancelled = true;
            requests.forEach(request -> request.cancel(false));
            requests.clear();
        }
    }

    /** Summarises the pieces of round {@code level}; one piece gives the final summary. */
    private CompletableFuture<TextGeneration> reduce(List<String> pieces, int level, Run run) {
        if (pieces.size() > 1 && level >= options.maxLevels()) {
            LOG.debug("Summary reached its last round {} with {} pieces; keeping the first", level, pieces.size());
            pieces = pieces.subList(0, 1);
        }
        if (pieces.size() == 1) {
            return request(pieces.get(0), level, 0, run);
        }
        List<CompletableFuture<TextGeneration>> summaries = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            summaries.add(request(pieces.get(i), level, i, run));
        }
        return CompletableFuture.allOf(summaries.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            StringBuilder joined = new StringBuilder();
            for (CompletableFuture<TextGeneration> summary : summaries) {
                String piece = summary.join().text();
                if (!piece.isEmpty()) {
                    joined.append(joined.isEmpty() ? "" : "\n").append(piece);
                }
            }
            return reduce(pieces(joined.toString()), level + 1, run);
        });
    }

    private CompletableFuture<TextGeneration> request(String piece, int level, int index, Run run) {
        if (run.cancelled()) {
            return CompletableFuture.failedFuture(new CancellationException("the summary was cancelled"));
        }
        long seed = options.seed() + 1_000_003L * (level - 1) + index; // a stream of its own per piece
        CompletableFuture<TextGeneration> request = engine.chat(messages(piece), engine.samplingParams(
                options.temperature(), options.topP(), seed, options.maxSummaryTokens()));
        run.track(request);
        return request.thenApply(run::add);
    }

    private List<ChatTemplate.Message> messages(String text) {
        return List.of(ChatTemplate.Message.system(SYSTEM),
                ChatTemplate.Message.user(options.instruction() + "\n\nText:\n" + text));
    }

    /**
     * The longest prefix of {@code text} with at most {@code maxInputTokens} tokens, moved back to the
     * last whitespace in its final tenth if there is one, never splitting a surrogate pair. A token
     * covers at most {@link #MAX_CHARS_PER_TOKEN} characters in practice, so the search only looks at
     * that many characters per token of the cap: the cost is a few tokenisations of the capped size,
     * not of the whole text.
     */
    String capped(String text) {
        int cap = options.maxInputTokens();
        int lo = 0; // a prefix length known to fit
        int hi = (int) Math.min(text.length(), (long) cap * MAX_CHARS_PER_TOKEN);
        if (engine.countTokens(text.substring(0, hi)) <= cap) {
            lo = hi;
        } else {
            while (hi - lo > 1) { // invariant: prefix lo fits, prefix hi does not
                int mid = (lo + hi) >>> 1;
                if (engine.countTokens(text.substring(0, mid)) <= cap) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
        }
        int end = lo;
        if (end > 0 && end < text.length() && Character.isLowSurrogate(text.charAt(end))) {
            end--;
        }
        for (int i = end; i > end - end / 10 && i > 0; i--) {
            if (Character.isWhitespace(text.charAt(i - 1))) {
                return text.substring(0, i).strip();
            }
        }
        return text.substring(0, end);
    }

    /** The text cut into pieces of at most the budget, on sentence boundaries where possible; never empty. */
    List<String> pieces(String text) {
        if (engine.countTokens(text) <= inputBudget) {
            return List.of(text);
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int pieceTokens = 0;
        for (String sentence : SentenceSplitter.split(text)) {
            int tokens = engine.countTokens(sentence) + 1; // and the space joining it
            if (tokens > inputBudget) {
                flush(pieces, piece);
                pieceTokens = 0;
                pieces.addAll(splitLongSentence(sentence));
                continue;
            }
            if (pieceTokens + tokens > inputBudget) {
                flush(pieces, piece);
                pieceTokens = 0;
            }
            piece.append(piece.isEmpty() ? "" : " ").append(sentence);
            pieceTokens += tokens;
        }
        flush(pieces, piece);
        return pieces.isEmpty() ? List.of(text.strip()) : pieces;
    }

    /** A sentence longer than the budget, cut between words (a word longer than the budget, between characters). */
    private List<String> splitLongSentence(String sentence) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        int partTokens = 0;
        for (String word : sentence.split("\\s+")) {
            int tokens = engine.countTokens(word) + 1;
            if (tokens > inputBudget) {
                flush(parts, part);
                partTokens = 0;
                int step = Math.max(1, inputBudget / 4); // a character is at most 4 byte-level tokens
                for (int from = 0; from < word.length(); from += step) {
                    parts.add(word.substring(from, Math.min(word.length(), from + step)));
                }
                continue;
            }
            if (partTokens + tokens > inputBudget) {
                flush(parts, part);
                partTokens = 0;
            }
            part.append(part.isEmpty() ? "" : " ").append(word);
            partTokens += tokens;
        }
        flush(parts, part);
        return parts;
    }

    private static void flush(List<String> pieces, StringBuilder piece) {
        if (!piece.isEmpty()) {
            pieces.add(piece.toString());
            piece.setLength(0);
        }
    }
}
