package io.textintel.serving.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits text into sentences for summarising long inputs piece by piece: a sentence ends at
 * {@code .}, {@code !}, {@code ?} or {@code …} (with any closing quotes or brackets) followed by
 * white space, and at a line break. A full stop after a common abbreviation ("e.g.", "Dr.") or a
 * single capital letter (an initial) ends no sentence; nor does one inside a number ("3.14").
 *
 * <p>A rule of thumb, not a linguistic parser: good enough to keep pieces from ending mid-sentence
 * in Latin-script prose. Sentences keep their text as written, without the white space between them.
 */
public final class SentenceSplitter {

    private static final Set<String> ABBREVIATIONS = Set.of("e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr",
            "prof", "sr", "jr", "st", "no", "fig", "approx", "inc", "ltd", "co", "u.s", "a.m", "p.m");

    private SentenceSplitter() {}

    /** The sentences of {@code text}, in order, stripped; blank text has none. */
    public static List<String> split(String text) {
        List<String> sentences = new ArrayList<>();
        int start = 0;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            int end;
            if (c == '\n') {
                end = i + 1;
            } else if (isTerminator(c)) {
                end = i + 1;
                while (end < length && isCloser(text.charAt(end))) {
                    end++;
                }
                if (end < length && !Character.isWhitespace(text.charAt(end))) {
                    continue; // "3.14", "e.g.," or "a.b": not followed by white space
                }
                if (c == '.' && isAbbreviation(text, start, i)) {
                    continue;
                }
            } else {
                continue;
            }
            add(sentences, text.substring(start, end));
            start = end;
            i = end - 1;
        }
        add(sentences, text.substring(start));
        return sentences;
    }

    private static void add(List<String> sentences, String sentence) {
        String stripped = sentence.strip();
        if (!stripped.isEmpty()) {
            sentences.add(stripped);
        }
    }

    private static boolean isTerminator(char c) {
        return c == '.' || c == '!' || c == '?' || c == '…';
    }

    private static boolean isCloser(char c) {
        return c == '"' || c == '\'' || c == ')' || c == ']' || c == '”' || c == '’' || c == '»'
                || isTerminator(c);
    }

    /** Whether the word before the full stop at {@code dot} is an abbreviation or an initial. */
    private static boolean isAbbreviation(String text, int sentenceStart, int dot) {
        int wordStart = dot;
        while (wordStart > sentenceStart && !Character.isWhitespace(text.charAt(wordStart - 1))
                && text.charAt(wordStart - 1) != '(') {
            wordStart--;
        }
        String word = text.substring(wordStart, dot);
        if (word.length() == 1 && Character.isUpperCase(word.charAt(0))) {
            return true;
        }
        return ABBREVIATIONS.contains(word.toLowerCase(Locale.ROOT));
    }
}
