package io.textintel.serving.spec;

/**
 * The outcome of verifying a proposal.
 *
 * @param accepted draft tokens accepted, a prefix of the proposal
 * @param nextToken the token after them: the bonus token when all were accepted, else the correction
 */
public record Verification(int accepted, int nextToken) {}
