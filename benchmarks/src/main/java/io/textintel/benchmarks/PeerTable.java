package io.textintel.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peer report's tables as Markdown, filled as the cases run: each figure beside its peer's
 * from the same interleaved rounds, with the ratio, the check that both computed the same thing,
 * the cores each kept busy, and the load average around the case.
 */
final class PeerTable {

    private final List<String> ort = new ArrayList<>();
    private final List<String> jlama = new ArrayList<>();
    private final List<String> memory = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** An ONNX Runtime comparison: {@code sentences} per run of each contender. */
    void encoderRow(String model, String name, int sentences, InterleavedRounds.Runs textintel,
            InterleavedRounds.Runs onnxRuntime, double minCosine) {
        double ti = sentences / textintel.medianSeconds();
        double peer = sentences / onnxRuntime.medianSeconds();
        ort.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f× | %.6f | %.2f / %.2f | %s |", model, name,
                figure(ti), figure(peer), ti / peer, minCosine, textintel.medianCoresBusy(),
                onnxRuntime.medianCoresBusy(), MachineLoad.loadAverage()));
    }

    /** A Jlama comparison: {@code units} (tokens or sentences) per run of each contender. */
    void jlamaRow(String model, String name, int units, Map<String, InterleavedRounds.Runs> runs,
            String agreement, String jlamaOps) {
        double ti = units / runs.get("textintel").medianSeconds();
        double jd = units / runs.get("jlama").medianSeconds();
        double jp = units / runs.get("jlama-panama").medianSeconds();
        jlama.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.2f× / %.2f× | %s | %.2f / %.2f / %.2f | %s |",
                model, name, figure(ti), figure(jd), figure(jp), ti / jd, ti / jp, agreement,
                runs.get("textintel").medianCoresBusy(), runs.get("jlama").medianCoresBusy(),
                runs.get("jlama-panama").medianCoresBusy(), MachineLoad.loadAverage()));
        note("Jlama's tensor operations (default / forced Panama): " + jlamaOps);
    }

    /**
     * One engine's JVM: its resident set and heap (after a GC), and its resident set above
     * {@code baselineBytes}, a JVM holding the same inputs and no engine (negative: none measured).
     */
    void memory(String engine, long residentBytes, long heapBytes, long baselineBytes) {
        memory.add(String.format(Locale.ROOT, "| %s | %.0f MB | %.0f MB | %s |", engine, residentBytes / 1e6,
                heapBytes / 1e6, baselineBytes < 0 ? "—" : String.format(Locale.ROOT, "%.0f MB",
                        (residentBytes - baselineBytes) / 1e6)));
    }

    /** A line printed under the tables, once. */
    void note(String line) {
        if (!notes.contains(line)) {
            notes.add(line);
        }
    }

    /** Every table, each with its header. */
    String render() {
        StringBuilder out = new StringBuilder();
        if (!ort.isEmpty()) {
            out.append("\n| model | case | textintel sentences/s | ONNX Runtime sentences/s | textintel ÷ ORT"
                    + " | min cosine | cores busy (textintel / ORT) | load average after |\n|---|---|---|---|---|---|---|---|\n");
            ort.forEach(row -> out.append(row).append('\n'));
        }
        if (!jlama.isEmpty()) {
            out.append("\n| model | case | textintel | Jlama default | Jlama Panama | textintel ÷ Jlama default / Panama"
                    + " | same computation | cores busy (textintel / default / Panama) | load average after |\n"
                    + "|---|---|---|---|---|---|---|---|---|\n");
            jlama.forEach(row -> out.append(row).append('\n'));
        }
        if (!memory.isEmpty()) {
            out.append("\n| engine, model (each alone in its JVM) | resident set | heap after GC | resident set above a JVM"
                    + " without engine |\n|---|---|---|---|\n");
            memory.forEach(row -> out.append(row).append('\n'));
        }
        out.append('\n');
        notes.forEach(line -> out.append(line).append('\n'));
        return out.toString();
    }

    private static String figure(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value)
                : value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
