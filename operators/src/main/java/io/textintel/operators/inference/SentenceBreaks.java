package io.textintel.operators.inference;

import java.text.BreakIterator;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where the sentences of a text are: {@link BreakIterator}'s sentence boundaries for the text's
 * language (English rules when none is known), each sentence without its surrounding white space;
 * blank pieces are dropped.
 */
final class SentenceBreaks {

    private SentenceBreaks() {}

    /**
     * Start and end (exclusive) of each sentence, in chars, at most {@code maxSentences} from the
     * start of the text. // [2 * sentences]
     */
    static int[] of(String text, String language, int maxSentences) {
        Locale locale = language == null || language.isBlank() ? Locale.ENGLISH : Locale.forLanguageTag(language);
        BreakIterator breaks = BreakIterator.getSentenceInstance(locale);
        breaks.setText(text);
        int[] offsets = new int[16];
        int count = 0;
        for (int start = breaks.first(), end = breaks.next(); end != BreakIterator.DONE && count < maxSentences;
                start = end, end = breaks.next()) {
            int from = start;
            int to = end;
            while (from < to && Character.isWhitespace(text.charAt(from))) {
                from++;
            }
            while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
                to--;
            }
            if (from == to) {
                continue;
            }
            if (2 * count + 2 > offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
            }
            offsets[2 * count] = from;
            offsets[2 * count + 1] = to;
            count++;
        }
        return Arrays.copyOf(offsets, 2 * count);
    }

    /** Whether the text has sentences after the first {@code maxSentences}. */
    static boolean hasMore(String text, int[] offsets) {
        int end = offsets.length == 0 ? 0 : offsets[offsets.length - 1];
        return !text.substring(end).isBlank();
    }
}
