package io.textintel.benchmarks;

import io.textintel.serving.generate.GenerationConfig;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.generate.GenerationRequest;
import io.textintel.serving.generate.GenerationResult;
import io.textintel.serving.generate.GenerationScheduler;
import io.textintel.serving.generate.ScheduledStep;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.AdaptiveDraftLength;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Speculation;
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
 * io.textintel.benchmarks.SpeculativeDecodingReport [threads]}: about 3 minutes on two cores
 * (plus ~30 s the first time, to write the checkpoint).
 */
public final class SpeculativeDecodingReport {

    static final int PROMPT = 8; // prompt tokens per sequence
    static final int NEW_TOKENS_BATCH_1 = 192;
    static final int NEW_TOKENS_BATCHED = 32;
    static final int GAMMA = 4;
    static final int MAX_ADAPTIVE_GAMMA = 5; // γ + 1 = 6 rows: one register tile of the CPU kernel
    static final double[] ALPHAS = {0.5, 0.8, 0.95};

    private final DecoderModel model;
    private final List<int[]> prompts = new ArrayList<>();
    private double speedup08;
    private double plainNanosPerPass;

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
    record Run(long decodeTokens, long decodePasses, long decodeNanos, GenerationMetrics metrics,
            List<int[]> outputs) {
        double tokensPerSecond() {
            return decodeTokens * 1e9 / decodeNanos;
        }

        double nanosPerPass() {
            return (double) decodeNanos / decodePasses;
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
        Run warmPlain = run(1, NEW_TOKENS_BATCH_1, plain(), null);
        run(1, NEW_TOKENS_BATCH_1, fixed(GAMMA), proposer(0.8, warmPlain));

        // Cost model. On this CPU kernel a pass of 2 to 6 rows is one register tile that reads each
        // weight once, so a verify pass costs about the same for every γ <= 5: r(γ) ≈ 1 + v, with v
        // calibrated by two short runs after the warm-up (ms per verify pass of 5 rows over ms per
        // decode pass of 1, in generation) and no per-draft cost (the synthetic proposer costs nothing).
        Run calibratePlain = run(1, 64, plain(), null);
        Run calibrateSpeculative = run(1, 64, fixed(GAMMA), proposer(0.8, warmPlain));
        double verifyCost = Math.max(0, calibrateSpeculative.nanosPerPass() / calibratePlain.nanosPerPass() - 1);
        SpeculationOptions adaptive = adaptiveOptions(0.0, verifyCost);
        System.out.printf(Locale.ROOT, "Cost model: a step with γ drafts costs r(γ) = (ms per verify pass of γ+1"
                + " tokens) / (ms per decode pass of 1 token); the adaptive policy gets r(γ) = 1 + v for γ <= %d,"
                + " v = %.2f from calibration runs%n", MAX_ADAPTIVE_GAMMA, verifyCost);

        // (a) plain decode tokens/s
        System.out.printf(Locale.ROOT, "%n(a) Plain greedy decoding (no speculation), %d new tokens at batch 1, %d"
                + " at batch 8 and 32%n%6s %10s %10s%n", NEW_TOKENS_BATCH_1, NEW_TOKENS_BATCHED, "batch",
                "tokens/s", "ms/pass");
        Run plain1 = run(1, NEW_TOKENS_BATCH_1, plain(), null);
        Run plain1b = run(1, NEW_TOKENS_BATCH_1, plain(), null);
        double base1 = mean(plain1, plain1b);
        plainNanosPerPass = (plain1.decodeNanos() + plain1b.decodeNanos())
                / (double) (plain1.decodePasses() + plain1b.decodePasses());
        printPlain(1, base1);
        Run plain8 = run(8, NEW_TOKENS_BATCHED, plain(), null);
        printPlain(8, plain8.tokensPerSecond());
        Run plain32 = run(32, NEW_TOKENS_BATCHED, plain(), null);
        printPlain(32, plain32.tokensPerSecond());

        // (b) speculative vs plain at batch 1
        System.out.printf(Locale.ROOT, "%n(b) Batch 1, speculative over plain greedy (%.2f tokens/s, %.1f ms/pass,"
                + " same run), %d new tokens; r = this run's ms/pass over plain's; predicted = E(α,γ) / r;"
                + " ad = adaptive, mean γ%n%5s %9s %9s %12s %8s %6s %10s %10s %10s%n", base1,
                plainNanosPerPass / 1e6, NEW_TOKENS_BATCH_1, "α", "γ", "accepted", "tokens/pass", "E(α,γ)", "r",
                "predicted", "measured", "tokens/s");
        for (double alpha : ALPHAS) {
            OracleDraftProposer oracle = proposer(alpha, plain1);
            Run fixedRun = run(1, NEW_TOKENS_BATCH_1, fixed(GAMMA), oracle);
            check(fixedRun, plain1);
            printSpeculative(alpha, Integer.toString(GAMMA), fixedRun, AdaptiveDraftLength.expectedTokens(alpha, GAMMA),
                    base1);
            Run adaptiveRun = run(1, NEW_TOKENS_BATCH_1, adaptive(adaptive), proposer(alpha, plain1));
            check(adaptiveRun, plain1);
            double meanGamma = adaptiveRun.metrics().meanDraftLength();
            int g = (int) Math.round(meanGamma);
            printSpeculative(alpha, String.format(Locale.ROOT, "ad %.1f", meanGamma), adaptiveRun,
                    AdaptiveDraftLength.expectedTokens(alpha, g), base1);
            if (alpha == 0.8) {
                speedup08 = fixedRun.tokensPerSecond() / base1;
            }
        }

        // (c) batch 32 with speculation on: the policy stands down
        OracleDraftProposer oracle32 = proposer(0.8, plain32);
        Run adaptive32 = run(32, NEW_TOKENS_BATCHED, adaptive(adaptive), oracle32);
        check(adaptive32, plain32);
        Run plain32b = run(32, NEW_TOKENS_BATCHED, plain(), null);
        Run adaptive32b = run(32, NEW_TOKENS_BATCHED, adaptive(adaptive), proposer(0.8, plain32));
        double base32 = mean(plain32, plain32b); // plain and adaptive alternate, so drift hits both alike
        double adaptiveRate32 = mean(adaptive32, adaptive32b);
        Run fixed32 = run(32, NEW_TOKENS_BATCHED, fixed(GAMMA), proposer(0.8, plain32));
        check(fixed32, plain32);
        GenerationMetrics m = adaptive32.metrics();
        System.out.printf(Locale.ROOT, "%n(c) Batch 32, α = 0.8, speculation on; plain %.2f tokens/s (2 runs)"
                + "%n  adaptive (off above %d sequences, 2 runs): %.2f tokens/s, ratio %.3f; decode steps"
                + " speculated %d, not"
                + " %d (stood down for batch size %d, for acceptance %d)%n  fixed γ = %d (no policy):          %.2f"
                + " tokens/s, ratio %.3f, acceptance %.2f%n", base32, adaptive.maxBatchSize(),
                adaptiveRate32, adaptiveRate32 / base32, m.verifySteps(),
                m.unspeculatedSteps(), m.offForBatchSize(), m.offForAcceptance(), GAMMA, fixed32.tokensPerSecond(),
                fixed32.tokensPerSecond() / base32, fixed32.metrics().acceptanceRate());
        double ratio32 = adaptiveRate32 / base32;
        System.out.printf(Locale.ROOT, "%nTargets: α = 0.8, γ = 4 at batch 1 >= 2x: %.2fx, %s; batch 32 with"
                + " speculation on >= 0.95x plain: %.3fx, %s%n", speedup08, speedup08 >= 2 ? "met" : "MISSED",
                ratio32, ratio32 >= 0.95 ? "met" : "MISSED");
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

    /** γ <= 5, off above 4 sequences, floor 0.2 after 8 verifications, prior 0.7, probe every 16th step. */
    static SpeculationOptions adaptiveOptions(double draftCost, double verifyCost) {
        return new SpeculationOptions(draftCost, 4, 0.2, 8, 0.7, 0.8, 16, verifyCost);
    }

    private static GenerationConfig adaptive(SpeculationOptions options) {
        return base().maxDraftTokens(MAX_ADAPTIVE_GAMMA).adaptiveSpeculation(options).build();
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
                        proposer == null ? Speculation.NONE : proposer.speculation(), future, System.nanoTime()));
                futures.add(future);
            }
            long decodeTokens = 0;
            long decodePasses = 0;
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
                    decodePasses++;
                }
            }
            List<int[]> outputs = futures.stream().map(f -> f.join().tokens()).toList();
            return new Run(decodeTokens, decodePasses, decodeNanos, scheduler.metrics(), outputs);
        }
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

    private static double mean(Run a, Run b) {
        return (a.decodeTokens() + b.decodeTokens()) * 1e9 / (a.decodeNanos() + b.decodeNanos());
    }

    private void printPlain(int batch, double tokensPerSecond) {
        System.out.printf(Locale.ROOT, "%6d %10.2f %10.1f%n", batch, tokensPerSecond, batch * 1e3 / tokensPerSecond);
    }

    private void printSpeculative(double alpha, String gamma, Run run, double expected, double base) {
        double r = run.nanosPerPass() / plainNanosPerPass;
        System.out.printf(Locale.ROOT, "%5.2f %9s %9.2f %12.2f %8.2f %6.2f %9.2fx %9.2fx %10.2f%n", alpha, gamma,
                run.metrics().acceptanceRate(), (double) run.decodeTokens() / run.decodePasses(), expected, r,
                expected / r, run.tokensPerSecond() / base, run.tokensPerSecond());
    }
}
