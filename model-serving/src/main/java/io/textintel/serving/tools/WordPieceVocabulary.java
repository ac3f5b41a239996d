package io.textintel.serving.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The token list of the generated WordPiece tokenizer, in id order.
 *
 * <p>Special tokens first ({@code [PAD]}=0, {@code [UNK]}=1, {@code [CLS]}=2, {@code [SEP]}=3,
 * {@code [MASK]}=4), then every single character a lower-cased, accent-stripped English text is
 * likely to hold, their {@code ##} continuations, common suffixes, and the word list. Any text in
 * the Latin alphabet therefore tokenizes without {@code [UNK]}; whole words keep sequences short.
 */
final class WordPieceVocabulary {

    static final String PAD = "[PAD]";
    static final String UNK = "[UNK]";
    static final String CLS = "[CLS]";
    static final String SEP = "[SEP]";
    static final String MASK = "[MASK]";
    static final List<String> SPECIAL_TOKENS = List.of(PAD, UNK, CLS, SEP, MASK);

    /**
     * The special tokens of one tokenizer style and the tokenizer class that uses them.
     *
     * @param cls first token of every input
     * @param sep end of every input (MPNet also puts two between the texts of a pair)
     * @param doubleSeparator whether a pair is {@code cls A sep sep B sep} (RoBERTa/MPNet) rather than
     *     {@code cls A sep B sep} with token type 1 for B (BERT)
     */
    record Specials(String cls, String sep, String pad, String unk, String mask, String tokenizerClass,
            boolean doubleSeparator) {

        /** BERT's: {@code [CLS]}, {@code [SEP]}, {@code [PAD]}, {@code [UNK]}, {@code [MASK]}. */
        static final Specials BERT = new Specials(CLS, SEP, PAD, UNK, MASK, "BertTokenizer", false);

        /** MPNet's: {@code <s>}, {@code </s>}, {@code <pad>}, {@code [UNK]}, {@code <mask>}. */
        static final Specials MPNET = new Specials("<s>", "</s>", "<pad>", UNK, "<mask>", "MPNetTokenizer", true);

        List<String> all() {
            return List.of(cls, sep, pad, unk, mask);
        }
    }

    private static final String WORD_LIST = "english-words.txt";

    /** Letters that survive BertNormalizer's lowercasing and accent stripping. */
    private static final String EXTRA_LETTERS = "ßæøœðþıł";

    /** Punctuation and symbols beyond ASCII that English text often holds. */
    private static final String EXTRA_SYMBOLS = "€£¥¢°©®™•·–—‘’‚“”„…′″§¶±×÷«»¿¡";

    private static final List<String> SUFFIXES = List.of(
            "s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "ion", "ions", "tion", "tions", "ness", "ment",
            "ments", "able", "ible", "ful", "less", "ity", "ities", "al", "ally", "ic", "ical", "ous", "ive", "ize",
            "ized", "izing", "ise", "ised", "ism", "ist", "ists", "ship", "ward", "wards", "y", "ies", "ied", "en",
            "ant", "ance", "ence", "ency", "ent", "ary", "ery", "ory", "ish", "like", "th");

    private WordPieceVocabulary() {}

    /** The tokens for a vocabulary holding the first {@code wordCount} words of the list. */
    static List<String> tokens(int wordCount) {
        Set<String> tokens = new LinkedHashSet<>(SPECIAL_TOKENS);
        StringBuilder singles = new StringBuilder();
        for (char c = '!'; c <= '~'; c++) {
            if (!Character.isUpperCase(c)) {
                singles.append(c);
            }
        }
        singles.append(EXTRA_LETTERS).append(EXTRA_SYMBOLS);
        singles.codePoints().forEach(c -> tokens.add(new String(Character.toChars(c))));
        singles.codePoints()
                .filter(Character::isLetterOrDigit)
                .forEach(c -> tokens.add("##" + new String(Character.toChars(c))));
        for (String suffix : SUFFIXES) {
            if (suffix.chars().allMatch(Character::isLetterOrDigit)) {
                tokens.add("##" + suffix);
            }
        }
        List<String> words = words();
        for (int i = 0; i < Math.min(wordCount, words.size()); i++) {
            tokens.add(words.get(i));
        }
        return List.copyOf(tokens);
    }

    /**
     * The tokens of an MPNet vocabulary of {@code wordCount} words: {@code <s>}=0, {@code <pad>}=1,
     * {@code </s>}=2, {@code [UNK]}=3 as in MPNet's vocabulary, then the same pieces as
     * {@link #tokens(int)}, and {@code <mask>} last.
     */
    static List<String> mpnetTokens(int wordCount) {
        Specials mpnet = Specials.MPNET;
        Set<String> tokens = new LinkedHashSet<>(List.of(mpnet.cls(), mpnet.pad(), mpnet.sep(), mpnet.unk()));
        for (String token : tokens(wordCount)) {
            if (!SPECIAL_TOKENS.contains(token)) {
                tokens.add(token);
            }
        }
        tokens.add(mpnet.mask());
        return List.copyOf(tokens);
    }

    /** The bundled word list, most frequent first. */
    static List<String> words() {
        InputStream in = WordPieceVocabulary.class.getResourceAsStream(WORD_LIST);
        if (in == null) {
            throw new IllegalStateException("resource " + WORD_LIST + " is missing next to "
                    + WordPieceVocabulary.class.getName() + "; the jar is incomplete");
        }
        List<String> words = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String word = line.strip();
                if (!word.isEmpty() && !word.startsWith("#")) {
                    words.add(word);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + WORD_LIST, e);
        }
        return words;
    }
}
