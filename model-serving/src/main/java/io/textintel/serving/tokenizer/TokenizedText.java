package io.textintel.serving.tokenizer;

import java.util.Arrays;

/**
 * One text encoded for a model: token ids with special tokens, truncated to the tokenizer's limit.
 *
 * <p>The arrays are shared, not copied, to keep the hot path allocation-free; treat them as read-only.
 *
 * @param ids token ids, e.g. {@code [CLS] ... [SEP]}
 * @param typeIds segment ids, one per token (all 0 for a single text)
 * @param truncated whether tokens were cut to fit the maximum length
 * @param untruncatedLength the token count, special tokens included, before truncation
 * @param unknownTokens how many ids are the unknown token
 */
public record TokenizedText(int[] ids, int[] typeIds, boolean truncated, int untruncatedLength, int unknownTokens) {

    public TokenizedText {
        if (ids.length != typeIds.length) {
            throw new IllegalArgumentException(
                    "ids has " + ids.length + " entries but typeIds has " + typeIds.length + ", expected equal lengths");
        }
    }

    /** Number of tokens after truncation. */
    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenizedText that
                && Arrays.equals(ids, that.ids)
                && Arrays.equals(typeIds, that.typeIds)
                && truncated == that.truncated
                && untruncatedLength == that.untruncatedLength
                && unknownTokens == that.unknownTokens;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + untruncatedLength;
    }

    @Override
    public String toString() {
        return "TokenizedText[ids=" + Arrays.toString(ids) + ", truncated=" + truncated + ", untruncatedLength="
                + untruncatedLength + ", unknownTokens=" + unknownTokens + "]";
    }
}
