#!/usr/bin/env python3
"""Compares fixtures that make_fixtures.py just made with the committed ones.

For each model: whether the weights are the same bytes, the largest absolute difference of each
recorded float field, and whether the greedy tokens are identical. Same weights and differences at
float32 rounding mean the committed fixtures hold for this torch and transformers too; other weights
mean this torch initialises differently (the committed fixtures stay valid: each carries its own
weights). Standard library only. Usage: compare_fixtures.py NEW_DIR COMMITTED_DIR
"""

import hashlib
import json
import os
import sys

FIELDS = ("prompt_logits", "last_logits", "last_hidden_states", "embeddings")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def flat(value):
    if isinstance(value, list):
        for item in value:
            yield from flat(item)
    else:
        yield value


def versions(expected):
    made = expected.get("provenance", {})
    return "torch %s, transformers %s" % (made.get("torch"), made.get("transformers"))


def main():
    if len(sys.argv) != 3:
        print("usage: compare_fixtures.py NEW_DIR COMMITTED_DIR", file=sys.stderr)
        sys.exit(2)
    new_root, committed_root = sys.argv[1], sys.argv[2]
    for model in sorted(os.listdir(committed_root)):
        new_dir, old_dir = os.path.join(new_root, model), os.path.join(committed_root, model)
        if not os.path.isfile(os.path.join(new_dir, "expected.json")):
            print("%s: not made in this run" % model)
            continue
        with open(os.path.join(new_dir, "expected.json")) as f:
            new = json.load(f)
        with open(os.path.join(old_dir, "expected.json")) as f:
            old = json.load(f)
        same_weights = digest(os.path.join(new_dir, "model.safetensors")) == digest(
            os.path.join(old_dir, "model.safetensors"))
        parts = ["weights %s" % ("identical" if same_weights else "DIFFERENT")]
        for field in FIELDS:
            if field in old:
                a, b = list(flat(new[field])), list(flat(old[field]))
                if len(a) != len(b):
                    parts.append("%s: %d values, committed %d" % (field, len(a), len(b)))
                else:
                    parts.append("%s max abs diff %.3g" % (field, max(abs(x - y) for x, y in zip(a, b))))
        if "greedy_tokens" in old:
            parts.append("greedy tokens %s" % ("identical" if new["greedy_tokens"] == old["greedy_tokens"]
                                               else "DIFFERENT: %s" % new["greedy_tokens"]))
        print("%s (made with %s, committed with %s): %s" % (model, versions(new), versions(old), "; ".join(parts)))


if __name__ == "__main__":
    main()
