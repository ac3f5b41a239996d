package io.textintel.benchmarks;

import io.textintel.serving.generate.GenerationConfig;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.generate.GenerationRequest;
import io.textintel.serving.generate.GenerationResult;
import io.textintel.serving.generate.GenerationScheduler;
import io.textintel.serving.generate.ScheduledStep;
import io.textintel.serving.generate.SpeculationMode;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.AdaptiveDraftLength;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.SpeculationOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The decoder benchmark of plain and speculative decoding on {@link DecoderFixture}'s ~270M
 * parameter Llama, printing in one run: (a) plain decode tokens/s at batch 1, 8 and 32; (b) the
 * speedup of speculative decoding over plain decoding at batch 1 for acceptance rates 0.5, 0.8 and
 * 0.95 (synthetic {@link OracleDraftProposer}) at γ = 4 and with the adaptive policy, next to
 * what {@code E = (1 − α^(γ+1)) / (1 − α)} predicts; (c) at batch 32 with speculation on, the
 * policy standing down and the throughput ratio to plain decoding.
 *
 * <p>A plain main rather than JMH: the α sweep needs the target's greedy continuation from a plain
 * run first, and every ratio must compare runs of the same process. Each run drives a
 * {@link GenerationScheduler} through its loop contract and times every forward pass; decode
 * tokens/s counts the tokens of passes without prefill over their time, so prompt processing is
 * left out. Warm-up: one plain and one speculative run (JIT of the 1-row and multi-row paths)
 * before anything is measured. Baselines are measured twice and averaged.
 *
 * <p>{@code java --add-modules=jdk.incubator.vector -Xmx6g -cp benchmarks/target/benchmarks.jar
 * io.textintel.benchmarks.SpeculativeDecodingReport [threads]}: about 5 minutes on two cores
 * (plus ~30 s the first time, to write the checkpoint).
 */
public final class SpeculativeDecodingReport {

    static final int PROMPT = 8; // prompt tokens per sequence
    static final int NEW_TOKENS_BATCH_1 = 64;
    static final int NEW_TOKENS_BATCHED = 16;
    static final int GAMMA = 4;
    static final int MAX_ADAPTIVE_GAMMA = 8;
    static final double[] ALPHAS = {0.5, 0.8, 0.95};

    private final DecoderModel model;
    private final List<int[]> prompts = new ArrayList<>();

    private SpeculativeDecodingReport(DecoderModel model) {
        this.model = model;
        Random random = new Random(11);
        for (int i = 0; i < 32; i++) {
            int[] prompt = new int[PROMPT];
            for (int t = 0; t < PROMPT; t++) {
                prompt[t] = 256 + random.nextInt(model.vocabSize() - 300); // merged tokens, not specials
            }
            prompts.add(prompt);
        }
    }

    /** Decode-only measurement of one run: tokens and time of passes without prefill. */
    record Run(long decodeTokens, long decodeNanos, GenerationMetrics metrics, List<int[]> outputs) {
        double tokensPerSecond() {
            return decodeTokens * 1e9 / decodeNanos;
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        long started = System.nanoTime();
        try (DecoderModel model = DecoderFixture.load(threads)) {
            System.out.printf(Locale.ROOT, "Decoder: %s, %.0fM parameters (%.2f GB F32), %d threads, prompt %d"
                    + " tokens%n", model, DecoderFixture.parameters(model.vocabSize()) / 1e6,
                    DecoderFixture.parameters(model.vocabSize()) * 4 / 1e9, threads, PROMPT);
            new SpeculativeDecodingReport(model).report();
        }
        System.out.printf(Locale.ROOT, "Whole run: %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    private void report() {
        // warm-up: plain at batch 1 and 32 (few tokens), one speculative run
        run(1, 16, plain(), null);
        run(32, 2, plain(), null);
        OracleDraftProposer warm = proposer(0.8, run(1, NEW_TOKENS_BATCH_1, plain(), null));
        run(1, NEW_TOKENS_BATCH_1, fixed(GAMMA), warm);

        double[] passRatio = passCostRatios();
        double draftCost = (passRatio[GAMMA] - 1) / GAMMA;
        System.out.printf(Locale.ROOT, "Cost model: a verify pass of γ+1 tokens costs r(γ) decode passes of 1"
                + " token, measured at context %d: r(1) %.2f, r(2) %.2f, r(4) %.2f, r(8) %.2f; the adaptive"
                + " policy is given draftStepCost (r(4) − 1) / 4 = %.3f%n", PROMPT + 8, passRatio[1], passRatio[2],
                passRatio[4], passRatio[8], draftCost);

        // (a) plain decode tokens/s
        System.out.printf(Locale.ROOT, "%n(a) Plain greedy decoding (no speculation), %d new tokens at batch 1, %d"
                + " at batch 8 and 32%n%6s %10s %10s%n", NEW_TOKENS_BATCH_1, NEW_TOKENS_BATCHED, "batch",
                "tokens/s", "ms/pass");
        Run plain1 = run(1, NEW_TOKENS_BATCH_1, plain(), null);
        Run plain1b = run(1, NEW_TOKENS_BATCH_1, plain(), null);
        double base1 = mean(plain1, plain1b);
        printPlain(1, base1);
        Run plain8 = run(8, NEW_TOKENS_BATCHED, plain(), null);
        printPlain(8, plain8.tokensPerSecond());
        Run plain32 = run(32, NEW_TOKENS_BATCHED, plain(), null);
        printPlain(32, plain32.tokensPerSecond());

        // (b) speculative vs plain at batch 1
        System.out.printf(Locale.ROOT, "%n(b) Batch 1, speculative over plain greedy (%.2f tokens/s, same run);"
                + " predicted = E(α,γ) / r(γ); adaptive γ <= %d%n%5s %9s %9s %12s %8s %10s %10s %10s%n", base1,
                MAX_ADAPTIVE_GAMMA, "α", "γ", "accepted", "tokens/pass", "E(α,γ)", "predicted", "measured",
                "tokens/s");
        for (double alpha : ALPHAS) {
            OracleDraftProposer oracle = proposer(alpha, plain1);
            Run fixedRun = run(1, NEW_TOKENS_BATCH_1, fixed(GAMMA), oracle);
            check(fixedRun, plain1);
            double e = AdaptiveDraftLength.expectedTokens(alpha, GAMMA);
            printSpeculative(alpha, Integer.toString(GAMMA), fixedRun, e, e / passRatio[GAMMA], base1);
            Run adaptiveRun = run(1, NEW_TOKENS_BATCH_1, adaptive(draftCost), proposer(alpha, plain1));
            check(adaptiveRun, plain1);
            double meanGamma = meanOfSpeculated(adaptiveRun.metrics());
            int g = (int) Math.round(meanGamma);
            double eg = AdaptiveDraftLength.expectedTokens(alpha, g);
            printSpeculative(alpha, String.format(Locale.ROOT, "ad %.1f", meanGamma), adaptiveRun, eg,
                    eg / passRatio[g], base1);
        }

        // (c) batch 32 with speculation on: the policy stands down
        OracleDraftProposer oracle32 = proposer(0.8, plain32);
        Run adaptive32 = run(32, NEW_TOKENS_BATCHED, adaptive(draftCost), oracle32);
        check(adaptive32, plain32);
        Run plain32b = run(32, NEW_TOKENS_BATCHED, plain(), null);
        double base32 = mean(plain32, plain32b);
        Run fixed32 = run(32, NEW_TOKENS_BATCHED, fixed(GAMMA), proposer(0.8, plain32));
        check(fixed32, plain32);
        GenerationMetrics m = adaptive32.metrics();
        System.out.printf(Locale.ROOT, "%n(c) Batch 32, α = 0.8, speculation on; plain %.2f tokens/s (mean of 2 runs)"
                + "%n  adaptive (off above %d sequences): %.2f tokens/s, ratio %.3f; decode steps speculated %d, not"
                + " %d (stood down for batch size %d, for acceptance %d)%n  fixed γ = %d (no policy):          %.2f"
                + " tokens/s, ratio %.3f, acceptance %.2f%n", base32, adaptiveOptions(draftCost).maxBatchSize(),
                adaptive32.tokensPerSecond(), adaptive32.tokensPerSecond() / base32, m.verifySteps(),
                m.unspeculatedSteps(), m.offForBatchSize(), m.offForAcceptance(), GAMMA, fixed32.tokensPerSecond(),
                fixed32.tokensPerSecond() / base32, fixed32.metrics().acceptanceRate());
    }

    private static GenerationConfig.Builder base() {
        return GenerationConfig.builder().maxRunningSequences(32).maxBatchTokens(512).kvBlockSize(16).kvBlocks(256);
    }

    private static GenerationConfig plain() {
        return base().maxDraftTokens(0).build();
    }

    private static GenerationConfig fixed(int gamma) {
        return base().maxDraftTokens(gamma).build();
    }

    static SpeculationOptions adaptiveOptions(double draftCost) {
        return new SpeculationOptions(MAX_ADAPTIVE_GAMMA, draftCost, 4, 0.2, 8, 0.7, 0.8, 16);
    }

    private static GenerationConfig adaptive(double draftCost) {
        return base().maxDraftTokens(MAX_ADAPTIVE_GAMMA).adaptiveSpeculation(adaptiveOptions(draftCost)).build();
    }

    private OracleDraftProposer proposer(double alpha, Run plainRun) {
        OracleDraftProposer proposer = new OracleDraftProposer(PROMPT, model.vocabSize(), alpha,
                Double.doubleToLongBits(alpha));
        for (int i = 0; i < plainRun.outputs().size(); i++) {
            proposer.learn(prompts.get(i), plainRun.outputs().get(i));
        }
        return proposer;
    }

    /** Runs {@code batch} prompts to {@code newTokens} greedy tokens each, timing every forward pass. */
    private Run run(int batch, int newTokens, GenerationConfig config, DraftProposer proposer) {
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), config.kvBlockSize(), config.kvBlocks())) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config, proposer);
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                CompletableFuture<GenerationResult> future = new CompletableFuture<>();
                scheduler.add(new GenerationRequest(prompts.get(i), SamplingParams.greedy(newTokens, List.of()),
                        proposer == null ? SpeculationMode.OFF : SpeculationMode.ON, future, System.nanoTime()));
                futures.add(future);
            }
            long decodeTokens = 0;
            long decodeNanos = 0;
            while (scheduler.hasWork()) {
                GenerationMetrics before = scheduler.metrics();
                ScheduledStep step = scheduler.schedule();
                long start = System.nanoTime();
                float[][] logits = model.forward(step.chunks(), cache);
                long nanos = System.nanoTime() - start;
                scheduler.update(step, logits, nanos);
                GenerationMetrics after = scheduler.metrics();
                if (after.prefillTokens() == before.prefillTokens()) {
                    decodeTokens += after.generatedTokens() - before.generatedTokens();
                    decodeNanos += nanos;
                }
            }
            List<int[]> outputs = futures.stream().map(f -> f.join().tokens()).toList();
            return new Run(decodeTokens, decodeNanos, scheduler.metrics(), outputs);
        }
    }

    /**
     * {@code r[k - 1]}: time of one forward pass of {@code k} new tokens of one sequence over the time
     * of a pass of 1, at a context of {@code PROMPT + 8} cached positions; median of 5 each.
     */
    private double[] passCostRatios() {
        double[] ratios = new double[MAX_ADAPTIVE_GAMMA + 1];
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, 8)) {
            int context = PROMPT + 8;
            cache.reserve(0, context + MAX_ADAPTIVE_GAMMA + 1);
            int[] tokens = new int[context];
            Arrays.fill(tokens, 300);
            model.forward(List.of(new SequenceChunk(0, tokens, 0, 1)), cache);
            cache.commit(0, context);
            double one = medianPassNanos(cache, context, 1);
            for (int gamma = 1; gamma <= MAX_ADAPTIVE_GAMMA; gamma++) {
                ratios[gamma] = medianPassNanos(cache, context, gamma + 1) / one;
            }
        }
        return ratios;
    }

    private double medianPassNanos(PagedKvCache cache, int context, int length) {
        long[] nanos = new long[5];
        int[] tokens = new int[length];
        Arrays.fill(tokens, 301);
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            model.forward(List.of(new SequenceChunk(0, tokens, context, length)), cache);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos[nanos.length / 2];
    }

    /** Greedy speculative output must be the plain greedy output; a benchmark of wrong output is void. */
    private static void check(Run speculative, Run plain) {
        for (int i = 0; i < speculative.outputs().size(); i++) {
            if (!Arrays.equals(speculative.outputs().get(i), plain.outputs().get(i))) {
                throw new IllegalStateException("speculative output of sequence " + i + " differs from plain greedy"
                        + " output. This is a bug.");
            }
        }
    }

    private static double meanOfSpeculated(GenerationMetrics metrics) {
        long[] lengths = metrics.draftLengths();
        long count = 0;
        long sum = 0;
        for (int g = 1; g < lengths.length; g++) {
            count += lengths[g];
            sum += g * lengths[g];
        }
        return count == 0 ? 0 : (double) sum / count;
    }

    private static double mean(Run a, Run b) {
        return (a.decodeTokens() + b.decodeTokens()) * 1e9 / (a.decodeNanos() + b.decodeNanos());
    }

    private void printPlain(int batch, double tokensPerSecond) {
        System.out.printf(Locale.ROOT, "%6d %10.2f %10.1f%n", batch, tokensPerSecond, batch * 1e3 / tokensPerSecond);
    }

    private static void printSpeculative(double alpha, String gamma, Run run, double expected, double predicted,
            double base) {
        GenerationMetrics m = run.metrics();
        long passes = m.verifySteps() + m.unspeculatedSteps();
        System.out.printf(Locale.ROOT, "%5.2f %9s %9.2f %12.2f %8.2f %9.2fx %9.2fx %10.2f%n", alpha, gamma,
                m.acceptanceRate(), (double) run.decodeTokens() / passes, expected, predicted,
                run.tokensPerSecond() / base, run.tokensPerSecond());
    }
}
