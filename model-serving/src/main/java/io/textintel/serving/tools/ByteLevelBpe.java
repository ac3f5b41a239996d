package io.textintel.serving.tools;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-level BPE vocabulary (as GPT-2, Llama 3 and Qwen2 use): the 256 byte tokens in GPT-2's
 * printable byte-to-unicode mapping, then tokens learned by merging the most frequent adjacent pair
 * over a word list, most frequent words weighing most. Deterministic: ties go to the smaller pair.
 *
 * @param tokens the vocabulary in id order: 256 byte tokens, then one per merge
 * @param merges the merges in rank order, each "left right"
 */
record ByteLevelBpe(List<String> tokens, List<String> merges) {

    /** GPT-2's {@code bytes_to_unicode}: byte b is written as this character. */
    static final char[] BYTE_TO_CHAR = byteToChar();

    /** Learns {@code mergeCount} merges (fewer if the words run out of pairs) from {@code words}. */
    static ByteLevelBpe train(List<String> words, int mergeCount) {
        // each word appears as it starts a text ("word") and after a space ("Ġword"), lower and capitalised
        List<String[]> pieces = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (int rank = 0; rank < words.size(); rank++) {
            String word = words.get(rank);
            int weight = words.size() - rank;
            String capital = word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
            for (String variant : List.of(word, " " + word, " " + capital)) {
                pieces.add(toByteSymbols(variant));
                weights.add(variant.startsWith(" ") ? weight * 2 : weight);
            }
        }
        List<String> tokens = new ArrayList<>();
        for (char c : BYTE_TO_CHAR) {
            tokens.add(String.valueOf(c));
        }
        List<String> merges = new ArrayList<>();
        for (int m = 0; m < mergeCount; m++) {
            Map<String, Long> counts = new HashMap<>();
            for (int w = 0; w < pieces.size(); w++) {
                String[] symbols = pieces.get(w);
                for (int i = 0; i + 1 < symbols.length; i++) {
                    counts.merge(symbols[i] + " " + symbols[i + 1], (long) weights.get(w), Long::sum);
                }
            }
            String best = null;
            long bestCount = 0;
            for (Map.Entry<String, Long> entry : counts.entrySet()) {
                long count = entry.getValue();
                if (count > bestCount || (count == bestCount && entry.getKey().compareTo(best) < 0)) {
                    best = entry.getKey();
                    bestCount = count;
                }
            }
            if (best == null) {
                break;
            }
            int space = best.indexOf(' ');
            String left = best.substring(0, space);
            String right = best.substring(space + 1);
            merges.add(best);
            tokens.add(left + right);
            for (int w = 0; w < pieces.size(); w++) {
                pieces.set(w, apply(pieces.get(w), left, right));
            }
        }
        return new ByteLevelBpe(List.copyOf(tokens), List.copyOf(merges));
    }

    private static String[] apply(String[] symbols, String left, String right) {
        List<String> out = new ArrayList<>(symbols.length);
        for (int i = 0; i < symbols.length; i++) {
            if (i + 1 < symbols.length && symbols[i].equals(left) && symbols[i + 1].equals(right)) {
                out.add(left + right);
                i++;
            } else {
                out.add(symbols[i]);
            }
        }
        return out.size() == symbols.length ? symbols : out.toArray(String[]::new);
    }

    private static String[] toByteSymbols(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        String[] symbols = new String[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = String.valueOf(BYTE_TO_CHAR[bytes[i] & 0xFF]);
        }
        return symbols;
    }

    private static char[] byteToChar() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
        return map;
    }
}
