package io.textintel.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs contenders on the same case in interleaved rounds (a warm-up run of each, then rounds in
 * which each runs once, the order rotating), so that a change in the machine's load falls on all
 * of them alike; a contender's figure is the median of its rounds.
 */
final class InterleavedRounds {

    /** The samples of one contender: the warm-up first, then one per round. */
    record Runs(String contender, Sample warmUp, List<Sample> rounds) {

        /** The median wall seconds of the rounds. */
        double medianSeconds() {
            return median(rounds.stream().mapToDouble(Sample::seconds).toArray());
        }

        /** The median cores kept busy over the rounds. */
        double medianCoresBusy() {
            return median(rounds.stream().mapToDouble(Sample::coresBusy).toArray());
        }
    }

    private final Map<String, Callable<Sample>> contenders = new LinkedHashMap<>();

    /** Adds a contender; {@code run} does the case's whole work once and times it. */
    InterleavedRounds add(String name, Callable<Sample> run) {
        if (contenders.putIfAbsent(name, run) != null) {
            throw new IllegalArgumentException("contender " + name + " added twice");
        }
        return this;
    }

    /** One warm-up run of each contender, then {@code rounds} rounds; by contender, in the order added. */
    Map<String, Runs> run(int rounds) throws Exception {
        if (contenders.isEmpty() || rounds < 1) {
            throw new IllegalStateException(contenders.size() + " contenders and " + rounds
                    + " rounds, expected at least one of each");
        }
        List<String> names = new ArrayList<>(contenders.keySet());
        Map<String, Sample> warmUps = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (String name : names) {
            warmUps.put(name, contenders.get(name).call());
            samples.put(name, new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + round) % names.size());
                samples.get(name).add(contenders.get(name).call());
            }
        }
        Map<String, Runs> runs = new LinkedHashMap<>();
        for (String name : names) {
            runs.put(name, new Runs(name, warmUps.get(name), List.copyOf(samples.get(name))));
        }
        return runs;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
