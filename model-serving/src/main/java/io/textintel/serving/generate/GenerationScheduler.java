package io.textintel.serving.generate;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.spec.DraftLengthPolicy;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.spec.SpeculativeVerifier;
import io.textintel.serving.spec.Verification;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Continuous batching for a decoder: prefill pieces and decode steps of different sequences share
 * one forward pass, sequences join and leave between passes.
 *
 * <p>Loop contract, run by the one thread that owns this object and its {@link PagedKvCache}:
 * <pre>
 *   add(request) for everything that arrived
 *   step = schedule()                   // plans the pass and reserves its KV capacity
 *   logits = model.forward(step.chunks(), cache)
 *   update(step, logits)                // commits the cache, samples or verifies, completes finished futures
 *   (if forward threw: fail(step, error))
 * </pre>
 *
 * <p>Choice of a step, under {@code maxBatchTokens} new tokens:
 * <ol>
 *   <li>Abandoned requests (the caller cancelled the future) leave; their blocks are freed.</li>
 *   <li>Running sequences, oldest first. One still prefilling gets the next piece of its prompt
 *       that fits the remaining budget (chunked prefill); one decoding gets its last token, plus,
 *       with speculation, up to γ draft tokens from the {@link DraftProposer} (verification).
 *       When the cache cannot hold a chunk, its drafts are dropped (greedy sequences only); if
 *       that is not enough, the newest running sequence is preempted (its blocks freed, itself
 *       requeued at the head of the waiting queue to recompute its tokens) until the chunk fits or
 *       the sequence preempted is this one. Older sequences are never preempted for newer ones,
 *       and the cache holds one full-length sequence, so the oldest always advances: no
 *       deadlock.</li>
 *   <li>Waiting sequences, in order, join while fewer than {@code maxRunningSequences} run, budget
 *       is left and the cache holds their first piece; joining never preempts, and nobody joins
 *       in a step that preempted (the preempted rejoin first, once blocks are free).</li>
 * </ol>
 *
 * <p>Speculation: each request with speculation on has its own {@link DraftLengthPolicy}, which
 * chooses γ for each decode step (fixed, or adaptive with stand-down and probes, the batch-size rule
 * for greedy sequences) and says how a sampled sequence keeps γ a function of its own history only:
 * it waits for a step with room instead of shortening its drafts, and preempts instead of dropping
 * them. So a sampled request gives the same tokens alone or in any mix of traffic (this is tested),
 * and greedy output is token for token plain greedy output. The choices are counted in
 * {@link GenerationMetrics}.
 *
 * <p>Continuation requests ({@link ContinuationRequest}: label scoring, constrained answers) are
 * sequences of the same cache under the same rules of admission, budget, preemption (a preempted
 * one recomputes its prompt) and abandonment. Their entries ({@link ScheduledStep.Entry#continuation})
 * are prompt pieces, then the continuations their {@link ContinuationDriver} names, each from the
 * first token where it differs from the one cached (the cache is rolled back to there) with a logit
 * row per token, in pieces when longer than the budget; nothing is sampled, the rows go to the
 * driver after the pass, and the request completes when the driver has its result. The per-request
 * state is {@link ContinuationSequence}.
 *
 * <p>A sequence finishes after a stop token, after {@code maxNewTokens} tokens, or when prompt
 * and generated tokens reach the model's maximum sequence length; its future completes in
 * {@link #update}.
 *
 * <p>Not thread-safe: one thread calls everything except {@link #validate} and {@link #metrics()},
 * which any thread may call. A finished request's counts are in the metrics before its future completes.
 */
public final class GenerationScheduler {

    private final PagedKvCache cache;
    private final GenerationConfig config;
    private final DraftProposer proposer; // null: no speculation
    private final int vocabSize;
    private final int maxSequenceLength;
    private final ArrayDeque<ScheduledSequence> waiting = new ArrayDeque<>(); // head runs next
    private final List<ScheduledSequence> running = new ArrayList<>(); // admission order, oldest first
    private long nextId;
    private final SchedulerCounters counters; // written here, read by metrics() from any thread

    /**
     * @param model the model the steps are for (only its shape is used here)
     * @param cache the KV cache, built for {@code model.kvLayout()}; owned by the scheduler's thread
     * @param proposer draft proposer for speculative decoding; null when there is none
     */
    public GenerationScheduler(CausalLm model, PagedKvCache cache, GenerationConfig config, DraftProposer proposer) {
        Objects.requireNonNull(model, "model");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.config = Objects.requireNonNull(config, "config");
        this.proposer = proposer;
        this.vocabSize = model.vocabSize();
        this.maxSequenceLength = model.maxSequenceLength();
        this.counters = new SchedulerCounters(config.maxDraftTokens());
        if (!cache.layout().equals(model.kvLayout())) {
            throw new IllegalArgumentException("KV cache layout " + cache.layout() + " does not match the model's "
                    + model.kvLayout());
        }
        if ((long) cache.numBlocks() * cache.blockSize() < maxSequenceLength) {
            throw new IllegalArgumentException("KV cache of " + cache.numBlocks() + " blocks of " + cache.blockSize()
                    + " positions holds " + (long) cache.numBlocks() * cache.blockSize() + " positions, expected at"
                    + " least the model's maximum sequence length " + maxSequenceLength);
        }
        publish();
    }

    /** What is wrong with a request for this model, or null when it can run. */
    public String validate(int[] promptIds, Speculation speculation) {
        if (promptIds == null || promptIds.length == 0) {
            return "prompt is " + (promptIds == null ? "null" : "empty") + ", expected at least one token id";
        }
        if (promptIds.length >= maxSequenceLength) {
            return "prompt of " + promptIds.length + " tokens, expected at most " + (maxSequenceLength - 1)
                    + " so that the model's maximum sequence length " + maxSequenceLength + " leaves room to generate";
        }
        for (int i = 0; i < promptIds.length; i++) {
            if (promptIds[i] < 0 || promptIds[i] >= vocabSize) {
                return "token id " + promptIds[i] + " at position " + i + " is outside the vocabulary, expected"
                        + " 0 <= id < " + vocabSize;
            }
        }
        if (speculation != Speculation.NONE && proposer == null) {
            return "speculation " + speculation.configName() + ", but the engine has no draft proposer; expected none";
        }
        if (speculation != Speculation.NONE && speculation != proposer.speculation()) {
            return "speculation " + speculation.configName() + ", but the engine's draft proposer is "
                    + proposer.speculation().configName() + "; expected " + proposer.speculation().configName()
                    + " or none";
        }
        return null;
    }

    /** Queues a request; it joins a step when there is room. */
    public void add(GenerationRequest request) {
        String problem = validate(request.promptIds(), request.speculation());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        DraftLengthPolicy draftPolicy = proposer != null && request.speculation() != Speculation.NONE
                ? new DraftLengthPolicy(config.maxDraftTokens(), config.adaptiveSpeculation(),
                        !request.params().isGreedy())
                : null;
        waiting.addLast(new GeneratingSequence(nextId++, request, draftPolicy));
        counters.requestAdded();
        publish();
    }

    /**
     * Queues a request for logit rows after its prompt and the continuations its driver names; it
     * joins a step when there is room, and is admitted, budgeted, preempted and dropped like a
     * generation request.
     */
    public void add(ContinuationRequest<?> request) {
        String problem = validate(request.promptIds(), Speculation.NONE);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        waiting.addLast(new ContinuationSequence(nextId++, request, maxSequenceLength, vocabSize));
        counters.requestAdded();
        publish();
    }

    /** Whether any sequence is waiting or running. */
    public boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    /** Plans the next forward pass and reserves its KV capacity; empty when there is no work. */
    public ScheduledStep schedule() {
        dropAbandoned();
        int budget = config.maxBatchTokens();
        List<ScheduledStep.Entry> entries = new ArrayList<>();
        boolean preempted = false;
        // sequences in this pass: the running ones and those that may join
        int batchSize = running.size() + Math.min(waiting.size(),
                Math.max(0, config.maxRunningSequences() - running.size()));
        for (int i = 0; i < running.size() && budget > 0; i++) {
            ScheduledSequence sequence = running.get(i);
            ScheduledStep.Entry entry = plan(sequence, budget, batchSize);
            if (entry == null) {
                continue; // a sampled sequence whose drafts do not fit the budget left: next step
            }
            boolean reserved = cache.reserve(sequence.id, entry.chunk().length());
            if (!reserved && entry.proposal() != null && entry.generating().draftPolicy.mayDropDrafts()) {
                entry = plan(sequence, 1, batchSize); // the last token alone, without drafts
                reserved = cache.reserve(sequence.id, entry.chunk().length());
            }
            while (!reserved) {
                ScheduledSequence victim = running.get(running.size() - 1);
                preempt(victim);
                preempted = true;
                if (victim == sequence) {
                    entry = null;
                    break;
                }
                reserved = cache.reserve(sequence.id, entry.chunk().length());
            }
            if (entry != null) {
                entries.add(entry);
                budget -= entry.chunk().length();
            }
        }
        // After a preemption the cache is short: let the preempted sequences rejoin first, next step.
        while (!preempted && budget > 0 && running.size() < config.maxRunningSequences() && !waiting.isEmpty()) {
            ScheduledSequence sequence = waiting.peekFirst();
            ScheduledStep.Entry entry = plan(sequence, budget, batchSize);
            if (entry == null || !cache.reserve(sequence.id, entry.chunk().length())) {
                break;
            }
            waiting.pollFirst();
            running.add(sequence);
            entries.add(entry);
            budget -= entry.chunk().length();
        }
        if (entries.isEmpty() && hasWork()) {
            throw new IllegalStateException("no sequence could be scheduled with " + running.size() + " running, "
                    + waiting.size() + " waiting and " + cache.freeBlocks() + " of " + cache.numBlocks()
                    + " KV blocks free. This is a bug.");
        }
        publish();
        return new ScheduledStep(entries);
    }

    /**
     * Applies a forward pass's logits: commits the KV cache, samples (or verifies drafts and rolls
     * back the rejected ones), and completes the futures of sequences that finished.
     *
     * @param logits {@code [step.logitRows()][vocabSize]} as {@link CausalLm#forward} returned them
     * @param forwardNanos how long the forward pass took, for the metrics
     */
    public void update(ScheduledStep step, float[][] logits, long forwardNanos) {
        checkLogits(step, logits);
        counters.stepRan(forwardNanos);
        int row = 0;
        for (ScheduledStep.Entry entry : step.entries()) {
            SequenceChunk chunk = entry.chunk();
            float[][] rows = Arrays.copyOfRange(logits, row, row + chunk.logitRows()); // [logitRows][vocab]
            row += chunk.logitRows();
            if (cache.length(entry.sequence().id) != entry.sequence().computed
                    || chunk.startPosition() != entry.sequence().computed) {
                throw new IllegalStateException(entry.sequence() + " has " + cache.length(entry.sequence().id)
                        + " cached positions and a chunk at " + chunk.startPosition() + ", expected both "
                        + entry.sequence().computed + ". This is a bug.");
            }
            if (entry.continuation()) {
                ran((ContinuationSequence) entry.sequence(), entry, rows);
                continue;
            }
            GeneratingSequence sequence = entry.generating();
            if (entry.proposal() == null) {
                cache.commit(sequence.id, chunk.endPosition());
                sequence.computed = chunk.endPosition();
                if (entry.prefill()) {
                    counters.prefilled(chunk.length());
                }
                if (entry.draftLength() >= 0) {
                    counters.unspeculatedStep(entry.draftLength(), entry.standDown());
                }
                if (entry.samples()) {
                    int token = Sampler.sample(rows[rows.length - 1], sequence.request.params(), sequence.random);
                    accept(sequence, new int[] {token});
                }
                continue;
            }
            Proposal proposal = entry.proposal();
            Verification verification = SpeculativeVerifier.verify(proposal, rows, sequence.request.params(),
                    sequence.random);
            int accepted = verification.accepted();
            if (accepted < 0 || accepted > proposal.size()) {
                throw new IllegalStateException("verifier accepted " + accepted + " of " + proposal.size()
                        + " draft tokens. This is a bug.");
            }
            int valid = chunk.startPosition() + 1 + accepted; // the last token and the accepted drafts
            cache.commit(sequence.id, valid);
            cache.truncate(sequence.id, valid);
            sequence.computed = valid;
            counters.verifiedStep(entry.draftLength(), entry.standDown(), proposal.size(), accepted);
            sequence.draftProposed += proposal.size();
            sequence.draftAccepted += accepted;
            sequence.verifySteps++;
            sequence.draftPolicy.record(proposal.size(), accepted);
            int[] next = Arrays.copyOf(proposal.tokens(), accepted + 1);
            next[accepted] = verification.nextToken();
            accept(sequence, next);
        }
        publish();
    }

    /**
     * Commits a continuation sequence's chunk and hands its rows on; completes the request when its
     * driver is done, fails it alone when the driver throws.
     */
    private void ran(ContinuationSequence sequence, ScheduledStep.Entry entry, float[][] rows) {
        cache.commit(sequence.id, entry.chunk().endPosition());
        if (entry.prefill()) {
            counters.prefilled(entry.chunk().length());
        }
        Object result;
        try {
            if (!sequence.ran(entry.chunk(), rows)) {
                return;
            }
            result = sequence.request.driver().result();
        } catch (RuntimeException e) {
            running.remove(sequence);
            leave(sequence);
            failEach(List.of(sequence), e);
            return;
        }
        running.remove(sequence);
        leave(sequence);
        if (sequence.abandoned()) {
            counters.requestsCancelled(1);
            return;
        }
        counters.requestCompleted();
        publish();
        @SuppressWarnings("unchecked")
        ContinuationRequest<Object> request = (ContinuationRequest<Object>) sequence.request;
        if (!request.future().complete(result)) {
            counters.completedWasCancelled();
        }
    }

    /** Fails every request of a step whose forward pass threw, and frees their blocks. */
    public void fail(ScheduledStep step, Throwable error) {
        Set<ScheduledSequence> members = new LinkedHashSet<>();
        for (ScheduledStep.Entry entry : step.entries()) {
            members.add(entry.sequence());
        }
        for (ScheduledSequence sequence : members) {
            running.remove(sequence);
            leave(sequence);
        }
        failEach(members, error);
    }

    /** Fails every waiting and running request, e.g. when the engine closes, and frees all blocks. */
    public void failAll(Throwable error) {
        List<ScheduledSequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        running.clear();
        waiting.clear();
        for (ScheduledSequence sequence : all) {
            leave(sequence);
        }
        failEach(all, error);
    }

    private void failEach(Iterable<? extends ScheduledSequence> sequences, Throwable error) {
        for (ScheduledSequence sequence : sequences) {
            if (!sequence.abandoned()) {
                counters.requestFailed();
            }
        }
        publish();
        for (ScheduledSequence sequence : sequences) {
            sequence.future().completeExceptionally(error);
        }
    }

    /** A snapshot of the counters; any thread may call it. */
    public GenerationMetrics metrics() {
        return counters.snapshot();
    }

    private void publish() {
        counters.publish(running.size(), waiting.size(), cache.freeBlocks());
    }

    /**
     * The chunk for a sequence under {@code budget} tokens (at least 1), without reserving anything;
     * null when the sequence sits this step out (a sampled sequence whose drafts do not fit). A
     * continuation sequence that moves on to another continuation has its cache rolled back to
     * what the two share.
     */
    private ScheduledStep.Entry plan(ScheduledSequence scheduled, int budget, int batchSize) {
        if (scheduled instanceof ContinuationSequence continuation) {
            ScheduledStep.Entry entry = continuation.plan(budget);
            if (cache.contains(continuation.id) && cache.length(continuation.id) > continuation.computed) {
                cache.truncate(continuation.id, continuation.computed);
            }
            return entry;
        }
        GeneratingSequence sequence = (GeneratingSequence) scheduled;
        int pending = sequence.pending();
        int start = sequence.computed;
        if (pending < 1) {
            throw new IllegalStateException(sequence + " has no pending token. This is a bug.");
        }
        if (pending > 1) {
            // A prompt: its last position samples the first token. Tokens to recompute after a
            // preemption: all but the last, which is then decoded (and speculated) as a usual step.
            boolean recompute = sequence.generated() > 0;
            int wanted = recompute ? pending - 1 : pending;
            int length = Math.min(wanted, budget);
            return ScheduledStep.Entry.prefill(sequence,
                    new SequenceChunk(sequence.id, sequence.tokens(start, start + length), start, 1));
        }
        SequenceChunk last = new SequenceChunk(sequence.id, new int[] {sequence.lastToken()}, start, 1);
        DraftLengthPolicy policy = sequence.draftPolicy;
        if (policy == null) {
            return ScheduledStep.Entry.decode(sequence, last);
        }
        // how many drafts: the policy, then this sequence's own limits, then the step's budget
        DraftLengthPolicy.Choice choice = policy.choose(sequence.size(), batchSize);
        int limit = Math.max(0, Math.min(Math.min(choice.draftLength(), config.maxBatchTokens() - 1),
                Math.min(sequence.request.params().maxNewTokens() - sequence.generated() - 1,
                        maxSequenceLength - sequence.size() - 1)));
        limit = policy.withinBudget(limit, budget);
        if (limit < 0) {
            return null;
        }
        Proposal proposal = limit == 0 ? Proposal.none() : propose(sequence, limit);
        if (proposal.size() == 0) {
            return ScheduledStep.Entry.undrafted(sequence, last, limit, choice.standDown());
        }
        int[] tokens = new int[1 + proposal.size()];
        tokens[0] = sequence.lastToken();
        System.arraycopy(proposal.tokens(), 0, tokens, 1, proposal.size());
        return ScheduledStep.Entry.verify(sequence, new SequenceChunk(sequence.id, tokens, start, tokens.length),
                proposal, limit, choice.standDown());
    }

    /** Up to {@code limit} (at least 1) drafts for a decoding sequence. */
    private Proposal propose(GeneratingSequence sequence, int limit) {
        Proposal proposal = proposer.propose(sequence.id, sequence.tokens(0, sequence.size()), limit);
        if (proposal == null) {
            return Proposal.none();
        }
        if (proposal.size() > limit) {
            throw new IllegalStateException("draft proposer returned " + proposal.size() + " tokens for " + sequence
                    + ", expected at most " + limit);
        }
        return proposal;
    }

    /** Appends newly chosen tokens, stopping at the first that finishes the sequence. */
    private void accept(GeneratingSequence sequence, int[] tokens) {
        for (int token : tokens) {
            if (token < 0 || token >= vocabSize) {
                throw new IllegalStateException("chose token " + token + " for " + sequence + ", expected 0 <= token < "
                        + vocabSize + ". This is a bug.");
            }
            sequence.append(token);
            counters.tokenGenerated();
            FinishReason reason = sequence.request.params().stopTokenIds().contains(token) ? FinishReason.STOP
                    : sequence.generated() >= sequence.request.params().maxNewTokens() ? FinishReason.MAX_TOKENS
                    : sequence.size() >= maxSequenceLength ? FinishReason.MAX_LENGTH : null;
            if (reason != null) {
                finish(sequence, reason);
                return;
            }
        }
    }

    private void finish(GeneratingSequence sequence, FinishReason reason) {
        running.remove(sequence);
        leave(sequence);
        GenerationRequest request = sequence.request;
        if (sequence.abandoned()) {
            counters.requestsCancelled(1);
            return;
        }
        counters.requestCompleted();
        publish();
        if (!request.future().complete(new GenerationResult(sequence.generatedTokens(), reason,
                sequence.promptLength(), System.nanoTime() - request.submittedNanos(), sequence.draftProposed,
                sequence.draftAccepted, sequence.verifySteps))) {
            counters.completedWasCancelled();
        }
    }

    private void preempt(ScheduledSequence victim) {
        running.remove(running.size() - 1);
        cache.free(victim.id);
        victim.preempted();
        waiting.addFirst(victim);
        counters.preempted();
    }

    private void dropAbandoned() {
        for (int i = running.size() - 1; i >= 0; i--) {
            ScheduledSequence sequence = running.get(i);
            if (sequence.abandoned()) {
                running.remove(i);
                leave(sequence);
                counters.requestsCancelled(1);
            }
        }
        int before = waiting.size();
        waiting.removeIf(sequence -> {
            if (sequence.abandoned()) {
                leave(sequence);
                return true;
            }
            return false;
        });
        counters.requestsCancelled(before - waiting.size());
        publish();
    }

    /** Frees what a sequence holds outside the scheduler: its KV blocks, the proposer's and the request's state. */
    private void leave(ScheduledSequence sequence) {
        cache.free(sequence.id);
        if (proposer != null && sequence.speculation() != Speculation.NONE) {
            proposer.release(sequence.id);
        }
        sequence.released();
    }

    private void checkLogits(ScheduledStep step, float[][] logits) {
        if (logits == null || logits.length != step.logitRows()) {
            throw new IllegalStateException("forward pass returned " + (logits == null ? "null" : logits.length
                    + " logit rows") + " for " + step + ", expected " + step.logitRows() + " rows");
        }
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == null || logits[i].length != vocabSize) {
                throw new IllegalStateException("logit row " + i + " of the forward pass has "
                        + (logits[i] == null ? "no" : logits[i].length) + " entries, expected vocabSize " + vocabSize);
            }
        }
    }
}
