package io.textintel.serving.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The token sequences a generative classifier may output: a trie of the labels' token ids, which
 * says which tokens may follow a prefix and whether the prefix names a whole label.
 *
 * <p>Outputs: a single label, {@code label [end]}; or, with a separator, several different labels,
 * {@code label sep label sep ... label end}. After a whole label the end token (if set) and the
 * separator (if set, and some label is left) may follow, as may the tokens of longer labels
 * sharing it as a prefix. A label already in the output is not offered again, so every output is
 * finite. Without an end token (single-label only) an output is complete when its label cannot be
 * continued, and no label may be a prefix of another.
 *
 * <p>Immutable; build with {@link #builder()}.
 */
public final class LabelTrie {

    private static final int NONE = -1;

    private final Node root;
    private final List<int[]> labels;
    private final int endToken;       // NONE: no end token
    private final int separatorToken; // NONE: single label

    private static final class Node {
        final Map<Integer, Node> children = new TreeMap<>(); // ascending token ids
        final BitSet labelsBelow = new BitSet();             // labels ending here or deeper
        int label = NONE;                                    // label ending exactly here
    }

    /** Where a prefix leads: the node of its current segment and the labels it completed. */
    private record Walk(Node node, BitSet chosen, List<Integer> named, boolean complete) {
    }

    private LabelTrie(Node root, List<int[]> labels, int endToken, int separatorToken) {
        this.root = root;
        this.labels = labels;
        this.endToken = endToken;
        this.separatorToken = separatorToken;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int labelCount() {
        return labels.size();
    }

    /** The token ids of label {@code index}, in the order labels were added. */
    public int[] label(int index) {
        return labels.get(index).clone();
    }

    /** The end token, or -1 when outputs end with their label. */
    public int endToken() {
        return endToken;
    }

    /**
     * Tokens that may follow {@code prefix}, ascending; empty when the prefix is a complete output.
     *
     * @throws IllegalArgumentException when the prefix itself is not allowed
     */
    public int[] allowedNext(int[] prefix) {
        Walk walk = walk(prefix);
        return walk.complete ? new int[0] : allowed(walk);
    }

    /** Whether the prefix's last tokens (after the last separator, before any end token) spell a whole label. */
    public boolean endsLabel(int[] prefix) {
        return walk(prefix).node.label != NONE;
    }

    /** Whether {@code prefix} is a whole output: nothing may follow. */
    public boolean isComplete(int[] prefix) {
        return walk(prefix).complete;
    }

    /** Indices of the whole labels {@code prefix} names, in output order (a final label without its end token included). */
    public List<Integer> labels(int[] prefix) {
        Walk walk = walk(prefix);
        List<Integer> named = new ArrayList<>(walk.named);
        if (!walk.complete && walk.node.label != NONE) {
            named.add(walk.node.label);
        }
        return named;
    }

    private Walk walk(int[] prefix) {
        Node node = root;
        BitSet chosen = new BitSet();
        List<Integer> named = new ArrayList<>();
        boolean complete = false;
        for (int i = 0; i < prefix.length; i++) {
            int token = prefix[i];
            Node child = node.children.get(token);
            boolean free = node.label != NONE && !chosen.get(node.label);
            if (!complete && child != null && offers(child, chosen)) {
                node = child;
            } else if (!complete && free && separatorToken != NONE && token == separatorToken
                    && chosen.cardinality() + 1 < labels.size()) {
                chosen.set(node.label);
                named.add(node.label);
                node = root;
            } else if (!complete && free && endToken != NONE && token == endToken) {
                chosen.set(node.label);
                named.add(node.label);
                node = root;
                complete = true;
            } else {
                throw new IllegalArgumentException("token " + token + " at position " + i + " of output prefix "
                        + Arrays.toString(prefix) + " is not allowed, expected one of "
                        + (complete ? "none (the output was complete)"
                                : Arrays.toString(allowed(new Walk(node, chosen, named, false)))));
            }
            if (endToken == NONE && node.label != NONE && !hasOpenChild(node, chosen)) {
                chosen.set(node.label); // no end token: a label that cannot continue ends the output
                named.add(node.label);
                complete = true;
            }
        }
        return new Walk(node, chosen, named, complete);
    }

    private int[] allowed(Walk walk) {
        List<Integer> tokens = new ArrayList<>();
        for (Map.Entry<Integer, Node> child : walk.node.children.entrySet()) {
            if (offers(child.getValue(), walk.chosen)) {
                tokens.add(child.getKey());
            }
        }
        Node node = walk.node;
        if (node.label != NONE && !walk.chosen.get(node.label)) {
            if (separatorToken != NONE && walk.chosen.cardinality() + 1 < labels.size()) {
                tokens.add(separatorToken);
            }
            if (endToken != NONE) {
                tokens.add(endToken);
            }
        }
        return tokens.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Whether some label not yet chosen ends at or below {@code node}. */
    private static boolean offers(Node node, BitSet chosen) {
        BitSet open = (BitSet) node.labelsBelow.clone();
        open.andNot(chosen);
        return !open.isEmpty();
    }

    private static boolean hasOpenChild(Node node, BitSet chosen) {
        for (Node child : node.children.values()) {
            if (offers(child, chosen)) {
                return true;
            }
        }
        return false;
    }

    /** Builds a {@link LabelTrie}; {@link #build()} checks the labels against the special tokens. */
    public static final class Builder {

        private final List<int[]> labels = new ArrayList<>();
        private int endToken = NONE;
        private int separatorToken = NONE;

        private Builder() {
        }

        /** Adds a label by its token ids; labels are numbered in the order added. */
        public Builder label(int... tokens) {
            labels.add(tokens.clone());
            return this;
        }

        /** Adds labels by their token ids. */
        public Builder labels(List<int[]> tokenIds) {
            tokenIds.forEach(this::label);
            return this;
        }

        /** The token that ends an output, e.g. the model's end-of-sequence id. */
        public Builder endToken(int tokenId) {
            this.endToken = requireId("end token", tokenId);
            return this;
        }

        /** Allows several labels, separated by this token (e.g. the id of ","). Needs an end token. */
        public Builder separatorToken(int tokenId) {
            this.separatorToken = requireId("separator token", tokenId);
            return this;
        }

        public LabelTrie build() {
            if (labels.isEmpty()) {
                throw new IllegalArgumentException("label set is empty, expected at least one label");
            }
            if (separatorToken != NONE && endToken == NONE) {
                throw new IllegalArgumentException("separator token " + separatorToken
                        + " is set without an end token, expected an end token too: a multi-label output must say where it stops");
            }
            if (separatorToken != NONE && separatorToken == endToken) {
                throw new IllegalArgumentException("separator and end token are both " + endToken + ", expected different tokens");
            }
            Node root = new Node();
            for (int index = 0; index < labels.size(); index++) {
                int[] tokens = labels.get(index);
                if (tokens.length == 0) {
                    throw new IllegalArgumentException("label " + index + " has no tokens, expected at least one");
                }
                Node node = root;
                root.labelsBelow.set(index);
                for (int token : tokens) {
                    requireId("token of label " + index, token);
                    if (token == endToken || token == separatorToken) {
                        throw new IllegalArgumentException("label " + index + " " + Arrays.toString(tokens)
                                + " contains token " + token + ", which is the end or separator token; expected neither");
                    }
                    node = node.children.computeIfAbsent(token, t -> new Node());
                    node.labelsBelow.set(index);
                }
                if (node.label != NONE) {
                    throw new IllegalArgumentException("labels " + node.label + " and " + index + " are both "
                            + Arrays.toString(tokens) + ", expected distinct token sequences");
                }
                node.label = index;
            }
            if (endToken == NONE) {
                checkNoLabelIsAPrefix(root);
            }
            return new LabelTrie(root, List.copyOf(labels), endToken, separatorToken);
        }

        private void checkNoLabelIsAPrefix(Node node) {
            if (node.label != NONE && !node.children.isEmpty()) {
                int longer = node.labelsBelow.stream().filter(l -> l != node.label).findFirst().orElseThrow();
                throw new IllegalArgumentException("label " + node.label + " " + Arrays.toString(labels.get(node.label))
                        + " is a prefix of label " + longer + " " + Arrays.toString(labels.get(longer))
                        + ", expected an end token to tell them apart");
            }
            node.children.values().forEach(this::checkNoLabelIsAPrefix);
        }

        private static int requireId(String what, int tokenId) {
            if (tokenId < 0) {
                throw new IllegalArgumentException(what + " is " + tokenId + ", expected a token id >= 0");
            }
            return tokenId;
        }
    }
}
