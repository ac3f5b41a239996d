package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/**
 * The launcher of the {@code sampling} family: token suppression, greedy argmax, the filtered
 * distribution and a draw from it ({@code Sampler}), and speculative verification
 * ({@code SpeculativeVerifier}) on the device, so that a decode step copies back only tokens.
 *
 * <p>Per-sequence parameters are device vectors of {@code seqs} entries: temperature F32, topK I32
 * (0: off), topP F32 (1: off), seed I64 ({@code SamplingParams#seed}) and the draw counter I64
 * ({@code SequenceRandom#draws()}), which the kernels advance by exactly the draws the CPU takes.
 */
final class SamplingLauncher {

    static final String FAMILY = "sampling";
    private static final int SUPPRESS_THREADS = 128;
    /** The row kernels reduce over the vocabulary with a full block. */
    private static final int ROW_THREADS = 1024;

    private final KernelLauncher kernels;

    SamplingLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * Sets {@code logits[r, id] = -Inf} for every id of row r's list; ids outside the vocabulary are skipped.
     *
     * @param logits {@code [rows, vocab]} F32, in place
     * @param rowList {@code [rows]} I32, each row's list (rows of one sequence share it); -1: none
     * @param listOffsets {@code [lists + 1]} I32, list j is {@code ids[listOffsets[j] .. listOffsets[j + 1])}
     * @param ids {@code [listOffsets[lists]]} I32
     */
    void suppress(DeviceTensor logits, DeviceTensor rowList, DeviceTensor listOffsets, DeviceTensor ids) {
        int rows = logits.rows();
        int vocab = logits.cols();
        logits.requireMatrix("logits", Type.F32, rows, vocab);
        rowList.requireVector("rowList", Type.I32, rows);
        if (listOffsets.elements() < 1) {
            throw new IllegalArgumentException("tensor listOffsets is empty, expected [lists + 1] I32");
        }
        listOffsets.requireVector("listOffsets", Type.I32, listOffsets.cols());
        ids.requireVector("ids", Type.I32, ids.cols());
        if (rows > 0 && vocab > 0) {
            kernels.launch("suppress_tokens", Dim3.of(rows), Dim3.of(SUPPRESS_THREADS), 0, logits.pointer(), rows,
                    vocab, rowList.pointer(), listOffsets.pointer(), ids.pointer());
        }
    }

    /**
     * The index of each row's largest logit, ties to the lowest ({@code Sampler#argmax}).
     *
     * @param logits {@code [rows, vocab]} F32, vocab at least 1
     * @param tokens {@code [rows]} I32
     */
    void argmax(DeviceTensor logits, DeviceTensor tokens) {
        int rows = logits.rows();
        int vocab = requireLogits(logits);
        tokens.requireVector("tokens", Type.I32, rows);
        if (rows > 0) {
            kernels.launch("argmax_rows", Dim3.of(rows), Dim3.of(ROW_THREADS), 0, logits.pointer(), rows, vocab,
                    tokens.pointer());
        }
    }

    /**
     * Per row, {@code Sampler#distribution} into {@code probs} and/or a token drawn from it with the
     * sequence's next uniform ({@code Sampler#sample}) into {@code tokens}, advancing its counter
     * by one (greedy rows take the argmax and draw nothing).
     *
     * @param logits {@code [rows, vocab]} F32, suppressed already
     * @param rowSequence {@code [rows]} I32, the parameter index of each row; null: row r uses index r
     *     (then {@code seqs == rows})
     * @param params the per-sequence parameters and counters
     * @param probs {@code [rows, vocab]} F32, or null
     * @param tokens {@code [rows]} I32, or null; when drawing, at most one row per sequence (the
     *     counters are advanced per row without synchronisation)
     */
    void sample(DeviceTensor logits, DeviceTensor rowSequence, SequenceParams params, DeviceTensor probs,
            DeviceTensor tokens) {
        int rows = logits.rows();
        int vocab = requireLogits(logits);
        Objects.requireNonNull(params, "params");
        if (rowSequence != null) {
            rowSequence.requireVector("rowSequence", Type.I32, rows);
        } else if (params.seqs() != rows) {
            throw new IllegalArgumentException("rowSequence is null and the parameters are of " + params.seqs()
                    + " sequences, expected one per row (" + rows + ")");
        }
        if (probs == null && tokens == null) {
            throw new IllegalArgumentException("probs and tokens are both null, expected at least one output");
        }
        if (probs != null) {
            probs.requireMatrix("probs", Type.F32, rows, vocab);
        }
        if (tokens != null) {
            tokens.requireVector("tokens", Type.I32, rows);
        }
        if (rows > 0) {
            kernels.launch("sampling_rows", Dim3.of(rows), Dim3.of(ROW_THREADS), 0, logits.pointer(), rows, vocab,
                    rowSequence == null ? null : rowSequence.pointer(), params.temperature().pointer(),
                    params.topK().pointer(), params.topP().pointer(), params.seeds().pointer(),
                    params.counters().pointer(), probs == null ? null : probs.pointer(),
                    tokens == null ? null : tokens.pointer());
        }
    }

    /**
     * Speculative verification of every sequence of a step ({@code SpeculativeVerifier#verify}, or
     * {@code #verifyFinishing} where a sequence has as many target rows as draft tokens): writes the
     * accepted draft count and the following token per sequence. Read {@code accepted} back and pass
     * it to {@link #requireVerified}: the kernel marks invalid input with -1 where the CPU throws.
     *
     * @param targetRowStart {@code [seqs + 1]} I32
     * @param draftStart {@code [seqs + 1]} I32
     * @param draftTokens {@code [drafts]} I32
     * @param targetArgmax {@code [targetRows]} I32, {@link #argmax} of the target rows (greedy sequences)
     * @param targetProbs {@code [targetRows, vocab]} F32, {@link #sample}'s probs; null when every sequence is greedy
     * @param draftProbs {@code [drafts, draftVocab]} F32, the q each draft token was drawn from; null:
     *     deterministic proposals (one-hot q) for every sequence
     * @param vocab the target vocabulary
     * @param params the per-sequence parameters (topK and topP are not read) and counters
     * @param accepted {@code [seqs]} I32
     * @param nextToken {@code [seqs]} I32; -1 where a finishing draft is accepted whole
     */
    void verify(DeviceTensor targetRowStart, DeviceTensor draftStart, DeviceTensor draftTokens,
            DeviceTensor targetArgmax, DeviceTensor targetProbs, DeviceTensor draftProbs, int vocab,
            SequenceParams params, DeviceTensor accepted, DeviceTensor nextToken) {
        Objects.requireNonNull(params, "params");
        int seqs = params.seqs();
        int targetRows = targetArgmax.cols();
        int drafts = draftTokens.cols();
        if (vocab < 1) {
            throw new IllegalArgumentException("target vocabulary of " + vocab + " tokens, expected >= 1");
        }
        targetRowStart.requireVector("targetRowStart", Type.I32, seqs + 1);
        draftStart.requireVector("draftStart", Type.I32, seqs + 1);
        draftTokens.requireVector("draftTokens", Type.I32, drafts);
        targetArgmax.requireVector("targetArgmax", Type.I32, targetRows);
        if (targetProbs != null) {
            targetProbs.requireMatrix("targetProbs", Type.F32, targetRows, vocab);
        }
        int draftVocab = 0;
        if (draftProbs != null) {
            draftVocab = draftProbs.cols();
            draftProbs.requireMatrix("draftProbs", Type.F32, drafts, draftVocab);
            if (draftVocab < 1) {
                throw new IllegalArgumentException("tensor draftProbs has a vocabulary of " + draftVocab
                        + " tokens, expected >= 1");
            }
        }
        accepted.requireVector("accepted", Type.I32, seqs);
        nextToken.requireVector("nextToken", Type.I32, seqs);
        if (seqs > 0) {
            kernels.launch("speculative_verify", Dim3.of(seqs), Dim3.of(ROW_THREADS), 0, targetRowStart.pointer(),
                    draftStart.pointer(), draftTokens.pointer(), targetArgmax.pointer(),
                    targetProbs == null ? null : targetProbs.pointer(), draftProbs == null ? null : draftProbs.pointer(),
                    vocab, draftVocab, params.temperature().pointer(), params.seeds().pointer(),
                    params.counters().pointer(), accepted.pointer(), nextToken.pointer());
        }
    }

    /**
     * Checks {@link #verify}'s {@code accepted}, read back to the host.
     *
     * @throws IllegalArgumentException naming the first sequence the kernel marked invalid: its target
     *     rows did not fit its draft, or its draft proposed a token of q(x) <= 0, for which the CPU throws
     */
    static void requireVerified(int[] accepted) {
        for (int s = 0; s < accepted.length; s++) {
            if (accepted[s] < 0) {
                throw new IllegalArgumentException("speculative verification of sequence " + s
                        + " found invalid input (target rows neither draft tokens + 1 nor, for a finishing draft, draft"
                        + " tokens; or a draft token of draft probability <= 0), expected accepted >= 0");
            }
        }
    }

    private static int requireLogits(DeviceTensor logits) {
        int vocab = logits.cols();
        logits.requireMatrix("logits", Type.F32, logits.rows(), vocab);
        if (vocab < 1) {
            throw new IllegalArgumentException("tensor logits has " + vocab + " columns, expected a vocabulary >= 1");
        }
        return vocab;
    }

    /**
     * The sampling parameters of {@code seqs} sequences on the device: temperature F32, topK I32,
     * topP F32, seeds I64 and draw counters I64, each {@code [seqs]}.
     */
    record SequenceParams(DeviceTensor temperature, DeviceTensor topK, DeviceTensor topP, DeviceTensor seeds,
            DeviceTensor counters) {

        SequenceParams {
            int seqs = temperature.cols();
            temperature.requireVector("temperature", Type.F32, seqs);
            topK.requireVector("topK", Type.I32, seqs);
            topP.requireVector("topP", Type.F32, seqs);
            seeds.requireVector("seeds", Type.I64, seqs);
            counters.requireVector("counters", Type.I64, seqs);
        }

        int seqs() {
            return temperature.cols();
        }
    }
}
