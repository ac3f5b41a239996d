package io.textintel.jobs.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How well topic tags match known labels.
 *
 * @param documents labelled documents compared
 * @param top1 share whose best tag is the label
 * @param top3 share whose label is among the first three tags
 * @param missedByTopic per label, documents whose best tag was another one
 */
public record TagAccuracy(int documents, double top1, double top3, Map<String, Integer> missedByTopic) {

    public TagAccuracy {
        missedByTopic = Map.copyOf(missedByTopic);
    }

    /** The {@code limit} labels most often missed at top-1, as {@code label (count)}, most first. */
    public String mostMissed(int limit) {
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(new TreeMap<>(missedByTopic).entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : entries.subList(0, Math.min(limit, entries.size()))) {
            parts.add(entry.getKey() + " (" + entry.getValue() + ")");
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** Counts labelled documents one at a time. */
    public static final class Counter {
        private int documents;
        private int top1;
        private int top3;
        private final Map<String, Integer> missed = new TreeMap<>();

        /** Adds a document with its known label and its tags, best first. */
        public void add(String expected, List<String> predicted) {
            documents++;
            int rank = predicted.indexOf(expected);
            if (rank == 0) {
                top1++;
            } else {
                missed.merge(expected, 1, Integer::sum);
            }
            if (rank >= 0 && rank < 3) {
                top3++;
            }
        }

        /** The figures so far; zero shares when nothing was added. */
        public TagAccuracy result() {
            return new TagAccuracy(documents, documents == 0 ? 0 : (double) top1 / documents,
                    documents == 0 ? 0 : (double) top3 / documents, missed);
        }
    }
}
