package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.DraftLengthPolicy.StandDown;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.Speculation;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The named constructors of a step's entries, and what they say about prefill and sampling. */
class ScheduledStepTest {

    private static GeneratingSequence sequence(int... prompt) {
        return new GeneratingSequence(7, new GenerationRequest(prompt, SamplingParams.greedy(10, List.of()),
                Speculation.NONE, new CompletableFuture<>(), 0), null);
    }

    private static SequenceChunk chunk(GeneratingSequence sequence, int from, int to) {
        return new SequenceChunk(sequence.id, sequence.tokens(from, to), from, 1);
    }

    @Test
    void aPrefillPieceSamplesOnlyWhenItEndsThePrompt() {
        GeneratingSequence sequence = sequence(1, 2, 3, 4, 5);
        ScheduledStep.Entry first = ScheduledStep.Entry.prefill(sequence, chunk(sequence, 0, 3));
        ScheduledStep.Entry rest = ScheduledStep.Entry.prefill(sequence, chunk(sequence, 3, 5));
        assertThat(first.prefill()).isTrue();
        assertThat(first.samples()).isFalse();
        assertThat(rest.prefill()).isTrue();
        assertThat(rest.samples()).isTrue();
        assertThat(rest.proposal()).isNull();
        assertThat(rest.draftLength()).isEqualTo(-1);
    }

    @Test
    void aRecomputationAfterPreemptionNeverSamples() {
        GeneratingSequence sequence = sequence(1, 2, 3);
        sequence.append(9);
        sequence.append(8);
        // all but the last token, in two pieces, one of them ending exactly at the prompt's end
        assertThat(ScheduledStep.Entry.prefill(sequence, chunk(sequence, 0, 3)).samples()).isFalse();
        assertThat(ScheduledStep.Entry.prefill(sequence, chunk(sequence, 3, 4)).samples()).isFalse();
    }

    @Test
    void aDecodeStepSamplesAndIsPrefillOnlyForAOneTokenPrompt() {
        GeneratingSequence single = sequence(4);
        ScheduledStep.Entry prompt = ScheduledStep.Entry.decode(single, chunk(single, 0, 1));
        assertThat(prompt.prefill()).isTrue();
        assertThat(prompt.samples()).isTrue();

        GeneratingSequence decoding = sequence(1, 2);
        decoding.append(3);
        decoding.computed = 2;
        ScheduledStep.Entry decode = ScheduledStep.Entry.decode(decoding, chunk(decoding, 2, 3));
        assertThat(decode.prefill()).isFalse();
        assertThat(decode.samples()).isTrue();
        assertThat(decode.draftLength()).isEqualTo(-1);
        assertThat(decode.standDown()).isEqualTo(StandDown.NONE);

        ScheduledStep.Entry undrafted = ScheduledStep.Entry.undrafted(decoding, chunk(decoding, 2, 3), 0,
                StandDown.ACCEPTANCE);
        assertThat(undrafted.prefill()).isFalse();
        assertThat(undrafted.samples()).isTrue();
        assertThat(undrafted.proposal()).isNull();
        assertThat(undrafted.draftLength()).isZero();
        assertThat(undrafted.standDown()).isEqualTo(StandDown.ACCEPTANCE);
        assertThat(ScheduledStep.Entry.undrafted(single, chunk(single, 0, 1), 2, StandDown.NONE).prefill()).isTrue();
    }

    @Test
    void aVerificationCarriesItsProposalAndIsNeverPrefill() {
        GeneratingSequence single = sequence(4);
        Proposal proposal = new Proposal(new int[] {5, 6}, null);
        SequenceChunk chunk = new SequenceChunk(single.id, new int[] {4, 5, 6}, 0, 3);
        ScheduledStep.Entry verify = ScheduledStep.Entry.verify(single, chunk, proposal, 3, StandDown.NONE);
        assertThat(verify.proposal()).isSameAs(proposal);
        assertThat(verify.prefill()).isFalse();
        assertThat(verify.samples()).isTrue();
        assertThat(verify.draftLength()).isEqualTo(3);
        assertThat(new ScheduledStep(List.of(verify)).logitRows()).isEqualTo(3);
    }
}
