package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.spec.DraftLengthPolicy.Choice;
import io.textintel.serving.spec.DraftLengthPolicy.StandDown;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DraftLengthPolicyTest {

    /** γ up to 4, free drafts, off above 2 sequences, floor 0.3 after 4 verifications, prior 0.7, probe every 5th. */
    private static final SpeculationOptions OPTIONS = new SpeculationOptions(0.0, 2, 0.3, 4, 0.7, 0.5, 5);

    private static final boolean GREEDY = false;
    private static final boolean SAMPLED = true;

    /** Draft lengths chosen at sizes {@code from, from + 1, ...}, {@code count} steps, at batch size 1. */
    private static List<Integer> lengths(DraftLengthPolicy policy, int from, int count) {
        List<Integer> lengths = new ArrayList<>();
        for (int size = from; size < from + count; size++) {
            lengths.add(policy.choose(size, 1).draftLength());
        }
        return lengths;
    }

    /** Four verifications that rejected the first draft: the smoothed acceptance rate is 0, past warm-up. */
    private static void rejectEverything(DraftLengthPolicy policy) {
        for (int i = 0; i < 4; i++) {
            policy.record(4, 0);
        }
    }

    @Test
    void aFixedDraftLengthIsAskedForEveryStepWhateverTheBatchAndTheVerifications() {
        for (boolean sampled : new boolean[] {GREEDY, SAMPLED}) {
            DraftLengthPolicy policy = new DraftLengthPolicy(3, null, sampled);
            rejectEverything(policy);
            for (int size = 10; size < 40; size++) {
                assertThat(policy.choose(size, 1000)).isEqualTo(new Choice(3, StandDown.NONE));
            }
        }
    }

    @Test
    void theAdaptiveLengthStartsFromThePriorAndIsCappedByMaxDraftTokens() {
        // free drafts and a prior of 0.7: the longest γ pays, and maxDraftTokens is the one cap on it
        assertThat(new DraftLengthPolicy(8, OPTIONS, GREEDY).choose(5, 1)).isEqualTo(new Choice(8, StandDown.NONE));
        assertThat(new DraftLengthPolicy(2, OPTIONS, GREEDY).choose(5, 1)).isEqualTo(new Choice(2, StandDown.NONE));
    }

    @Test
    void underTheAcceptanceFloorTheSequenceStandsDownWithAOneTokenProbeEveryProbeInterval() {
        for (boolean sampled : new boolean[] {GREEDY, SAMPLED}) {
            DraftLengthPolicy policy = new DraftLengthPolicy(4, OPTIONS, sampled);
            rejectEverything(policy);
            assertThat(policy.choose(10, 1)).isEqualTo(new Choice(0, StandDown.ACCEPTANCE));
            // the first stood-down step above was step 1 of the interval: probes at steps 5 and 10
            assertThat(lengths(policy, 11, 9)).containsExactly(0, 0, 0, 1, 0, 0, 0, 0, 1);
            assertThat(policy.choose(20, 1)).isEqualTo(new Choice(0, StandDown.ACCEPTANCE));
        }
    }

    @Test
    void theFloorStandsDownEvenWhereDraftsWouldStillPay() {
        DraftLengthPolicy policy = new DraftLengthPolicy(4, OPTIONS, GREEDY);
        AdaptiveDraftLength estimate = new AdaptiveDraftLength(OPTIONS, 4);
        int[][] verifications = {{4, 0}, {4, 0}, {4, 0}, {4, 1}, {4, 0}}; // {proposed, accepted}
        for (int[] verification : verifications) {
            policy.record(verification[0], verification[1]);
            estimate.record(verification[0], verification[1]);
        }
        double alpha = estimate.acceptanceRate();
        assertThat(alpha).as("acceptance above 0, under the floor").isGreaterThan(0.0).isLessThan(0.3);
        assertThat(AdaptiveDraftLength.bestDraftLength(alpha, 4, 0.0)).as("free drafts would pay").isEqualTo(4);
        assertThat(policy.choose(30, 1)).isEqualTo(new Choice(0, StandDown.ACCEPTANCE));
    }

    @Test
    void aSizeIsDecidedOnceSoReplanningAStepNeitherChangesItNorAdvancesTheProbes() {
        DraftLengthPolicy once = new DraftLengthPolicy(4, OPTIONS, SAMPLED);
        DraftLengthPolicy thrice = new DraftLengthPolicy(4, OPTIONS, SAMPLED);
        rejectEverything(once);
        rejectEverything(thrice);
        List<Integer> replanned = new ArrayList<>();
        for (int size = 10; size < 30; size++) {
            Choice first = thrice.choose(size, 1);
            assertThat(thrice.choose(size, 1)).isEqualTo(first);
            assertThat(thrice.choose(size, 1)).isEqualTo(first);
            replanned.add(first.draftLength());
        }
        assertThat(replanned).containsExactlyElementsOf(lengths(once, 10, 20)).contains(1);
    }

    @Test
    void greedySequencesStandDownAboveTheBatchSizeLimitAndSampledOnesDoNot() {
        DraftLengthPolicy greedy = new DraftLengthPolicy(4, OPTIONS, GREEDY);
        DraftLengthPolicy sampled = new DraftLengthPolicy(4, OPTIONS, SAMPLED);
        assertThat(greedy.choose(10, 2)).isEqualTo(new Choice(4, StandDown.NONE));
        assertThat(greedy.choose(11, 3)).isEqualTo(new Choice(0, StandDown.BATCH_SIZE));
        assertThat(sampled.choose(10, 2)).isEqualTo(new Choice(4, StandDown.NONE));
        assertThat(sampled.choose(11, 3)).isEqualTo(new Choice(4, StandDown.NONE));
        // a fixed γ has no batch-size rule
        assertThat(new DraftLengthPolicy(4, null, GREEDY).choose(10, 3)).isEqualTo(new Choice(4, StandDown.NONE));
    }

    @Test
    void theBatchSizeRuleComesFirstAndStepsStoodDownForItStillCountTowardsTheNextProbe() {
        DraftLengthPolicy policy = new DraftLengthPolicy(4, OPTIONS, GREEDY);
        rejectEverything(policy);
        for (int size = 10; size < 14; size++) {
            assertThat(policy.choose(size, 3)).isEqualTo(new Choice(0, StandDown.BATCH_SIZE));
        }
        // the fifth step since standing down is a probe, whatever the first four were stood down for
        assertThat(policy.choose(14, 1)).isEqualTo(new Choice(1, StandDown.NONE));
    }

    @Test
    void sampledDraftsAreNeverShortenedByTheBudgetGreedyOnesAre() {
        DraftLengthPolicy greedy = new DraftLengthPolicy(4, OPTIONS, GREEDY);
        DraftLengthPolicy sampled = new DraftLengthPolicy(4, OPTIONS, SAMPLED);
        // the budget counts the last token too: 4 drafts need 5
        assertThat(greedy.withinBudget(4, 5)).isEqualTo(4);
        assertThat(sampled.withinBudget(4, 5)).isEqualTo(4);
        assertThat(greedy.withinBudget(4, 3)).isEqualTo(2);
        assertThat(sampled.withinBudget(4, 3)).as("waits for a step with room").isEqualTo(-1);
        assertThat(greedy.withinBudget(4, 1)).isZero();
        assertThat(sampled.withinBudget(4, 1)).isEqualTo(-1);
        assertThat(sampled.withinBudget(0, 1)).isZero();
    }

    @Test
    void onlyGreedyDraftsMayBeDroppedWhenTheCacheIsShort() {
        assertThat(new DraftLengthPolicy(4, OPTIONS, GREEDY).mayDropDrafts()).isTrue();
        assertThat(new DraftLengthPolicy(4, null, GREEDY).mayDropDrafts()).isTrue();
        assertThat(new DraftLengthPolicy(4, OPTIONS, SAMPLED).mayDropDrafts()).isFalse();
        assertThat(new DraftLengthPolicy(4, null, SAMPLED).mayDropDrafts()).isFalse();
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new DraftLengthPolicy(-1, OPTIONS, GREEDY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDraftTokens is -1, expected >= 0");
        assertThatThrownBy(() -> new DraftLengthPolicy(4, OPTIONS, GREEDY).withinBudget(2, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("budget is 0, expected >= 1");
    }
}
