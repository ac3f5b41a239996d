package io.textintel.serving.generate;

import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.spec.DraftLengthPolicy.StandDown;
import io.textintel.serving.spec.Proposal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The plan of one forward pass: which sequences take part with which new tokens. KV capacity for
 * every chunk is already reserved; {@link GenerationScheduler#update} applies the pass's logits.
 */
public final class ScheduledStep {

    /**
     * One sequence's part of the step; built with {@link #prefill}, {@link #decode}, {@link #undrafted}
     * or {@link #verify} for a generating sequence, {@link #continuation} for a continuation sequence.
     *
     * @param proposal the draft tokens in the chunk after the last token; null for prefill and plain decode
     * @param prefill whether the chunk is (a piece of) a prompt or of tokens recomputed after preemption
     * @param samples whether the last logit row chooses a token (false for a prefill piece short of the
     *     end, and for every continuation entry)
     * @param draftLength the draft length the speculation policy chose for this decode step; -1 when
     *     the entry is not a decode step of a request with speculation on
     * @param standDown why the policy chose no drafts, {@link StandDown#NONE} otherwise
     */
    record Entry(ScheduledSequence sequence, SequenceChunk chunk, Proposal proposal, boolean prefill,
            boolean samples, int draftLength, StandDown standDown) {

        /**
         * A piece of a prompt, or of the tokens a preempted sequence recomputes. It samples when it
         * reaches the sequence's last token, i.e. ends the prompt; a recomputation stops one short of
         * the last token, which is then decoded as an ordinary step.
         */
        static Entry prefill(GeneratingSequence sequence, SequenceChunk chunk) {
            return new Entry(sequence, chunk, null, true, chunk.endPosition() == sequence.size(), -1, StandDown.NONE);
        }

        /**
         * The last token of a sequence without speculation, which samples the next one; counted as
         * prefill when it is the prompt's only token.
         */
        static Entry decode(GeneratingSequence sequence, SequenceChunk chunk) {
            return new Entry(sequence, chunk, null, inPrompt(sequence, chunk), true, -1, StandDown.NONE);
        }

        /**
         * The last token of a speculating sequence that got no drafts this step (the policy stood
         * down, the proposer had none, or the budget or cache was short), after the policy chose
         * {@code draftLength}; counted as prefill when it is the prompt's only token.
         */
        static Entry undrafted(GeneratingSequence sequence, SequenceChunk chunk, int draftLength, StandDown standDown) {
            return new Entry(sequence, chunk, null, inPrompt(sequence, chunk), true, draftLength, standDown);
        }

        /** The last token and {@code proposal}'s drafts, to verify; the policy chose {@code draftLength}. */
        static Entry verify(GeneratingSequence sequence, SequenceChunk chunk, Proposal proposal, int draftLength,
                StandDown standDown) {
            return new Entry(sequence, chunk, proposal, false, true, draftLength, standDown);
        }

        /**
         * A piece of a {@link ContinuationSequence}'s prompt ({@code prefill}; its one logit row
         * counts when it ends the prompt) or of the continuation its driver asked for, with a logit
         * row per token. Nothing is sampled: the rows go to the driver.
         */
        static Entry continuation(ContinuationSequence sequence, SequenceChunk chunk, boolean prefill) {
            if (!prefill && chunk.logitRows() != chunk.length()) {
                throw new IllegalArgumentException("continuation chunk " + chunk + " wants " + chunk.logitRows()
                        + " logit rows, expected one per token (" + chunk.length() + ")");
            }
            return new Entry(sequence, chunk, null, prefill, false, -1, StandDown.NONE);
        }

        /** Whether this is a continuation sequence's entry, whose rows go to its driver. */
        boolean continuation() {
            return sequence instanceof ContinuationSequence;
        }

        /** The generating sequence of a prefill, decode or verify entry. */
        GeneratingSequence generating() {
            return (GeneratingSequence) sequence;
        }

        private static boolean inPrompt(GeneratingSequence sequence, SequenceChunk chunk) {
            return chunk.startPosition() < sequence.promptLength();
        }
    }

    private final List<Entry> entries;
    private final List<SequenceChunk> chunks;
    private final int logitRows;
    private final int tokens;

    ScheduledStep(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        List<SequenceChunk> list = new ArrayList<>(entries.size());
        int rows = 0;
        int count = 0;
        for (Entry entry : entries) {
            list.add(entry.chunk());
            rows += entry.chunk().logitRows();
            count += entry.chunk().length();
        }
        this.chunks = Collections.unmodifiableList(list);
        this.logitRows = rows;
        this.tokens = count;
    }

    /** The chunks to pass to {@link io.textintel.serving.model.CausalLm#forward}, one per sequence. */
    public List<SequenceChunk> chunks() {
        return chunks;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Logit rows the forward pass returns: the sum of the chunks' logit rows. */
    public int logitRows() {
        return logitRows;
    }

    /** New tokens in the pass. */
    public int tokens() {
        return tokens;
    }

    List<Entry> entries() {
        return entries;
    }

    @Override
    public String toString() {
        return "step of " + entries.size() + " sequences, " + tokens + " tokens";
    }
}
