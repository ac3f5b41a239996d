package io.textintel.serving.spec;

/**
 * Outcome of verifying a proposal against the target model.
 *
 * @param accepted how many of the draft tokens are kept, from the first
 * @param nextToken the token after them: the target's correction at the first rejected draft
 *     position, or the bonus token when every draft token was accepted; {@link #NONE} when every
 *     draft token was accepted and the last one finished the output, so that nothing follows (see
 *     {@link SpeculativeVerifier#verifyFinishing})
 */
public record Verification(int accepted, int nextToken) {

    /** The next token of a verification whose accepted draft finished the output. */
    public static final int NONE = -1;

    public Verification {
        if (accepted < 0 || nextToken < NONE) {
            throw new IllegalArgumentException("verification accepted " + accepted + " tokens and next token "
                    + nextToken + ", expected accepted >= 0 and a next token >= 0 (or " + NONE + " for none)");
        }
    }

    /** Tokens this step appends to the sequence: the accepted drafts and the next token, if any. */
    public int emitted() {
        return nextToken == NONE ? accepted : accepted + 1;
    }
}
