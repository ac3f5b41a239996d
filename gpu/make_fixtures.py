#!/usr/bin/env python3
"""Reference fixtures from Hugging Face transformers for the engine's CPU test (HuggingFaceFixturesTest).

Builds three small models with a fixed seed, saves each with save_pretrained into its own directory
(config.json + model.safetensors, the Hugging Face layout the engine loads), loads it back from that
directory with transformers, and records what transformers computes into expected.json beside it:

  llama   LlamaForCausalLM, grouped-query attention, untied embeddings, rope_theta 500000
  qwen2   Qwen2ForCausalLM, query/key/value biases, tied embeddings
  bert    BertModel with all-MiniLM-L6-v2's config (GELU, eps 1e-12, absolute positions, two token
          types) but small sizes, so that its weights can be committed; the real MiniLM (90 MB as f32)
          does not fit beside the Java runtime in the 64 MiB the GPU machine is sent

For the decoders: the logits of every prompt position of a full forward, the last position's logits,
and a 32-token greedy continuation (argmax of a full forward per step, so no EOS and no generation
settings are involved), with each step's margin between the best and the second-best logit. For the
encoder: the last hidden states of each sequence and its mean-pooled, L2-normalised embedding (what
sentence-transformers computes for a plain transformers model). Prompts are fixed token ids: the
engine's DecoderModel.load and EncoderModel.load read no tokenizer.

Everything is computed in float32 with eager attention on the CPU, so that the numbers do not depend
on the GPU. Usage: make_fixtures.py OUTPUT_DIR
"""

import json
import os
import sys
import time


def fail(message):
    print("make_fixtures: " + message, file=sys.stderr)
    sys.exit(2)


try:
    import torch
    import transformers
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
except ImportError as e:
    fail("needs torch and transformers (%s); on the GPU machine python3 has both" % e)

SEED = 20261204
GREEDY_TOKENS = 32
DECODER_PROMPT = [1, 17, 42, 99, 7, 3, 250, 128, 64, 5, 200, 11]
ENCODER_SEQUENCES = [
    [101, 7, 19, 233, 48, 102],
    [101, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 102],
    [101, 102],
    [101, 999, 5, 517, 88, 640, 12, 102],
]


def decoder_common():
    return dict(vocab_size=256, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                rms_norm_eps=1e-5, initializer_range=0.25, bos_token_id=1, eos_token_id=2,
                attn_implementation="eager")


def build_llama():
    return LlamaForCausalLM(LlamaConfig(**decoder_common(), rope_theta=500000.0, tie_word_embeddings=False))


def build_qwen2():
    return Qwen2ForCausalLM(Qwen2Config(**decoder_common(), rope_theta=1000000.0, tie_word_embeddings=True,
                                        use_sliding_window=False))


def build_bert():
    # all-MiniLM-L6-v2's config.json, sizes cut: 384 -> 96 hidden, 6 -> 3 layers, 12 -> 4 heads
    # (head dimension 24), 1536 -> 384 intermediate, vocabulary 30522 -> 1024
    return BertModel(BertConfig(vocab_size=1024, hidden_size=96, num_hidden_layers=3, num_attention_heads=4,
                                intermediate_size=384, hidden_act="gelu", hidden_dropout_prob=0.1,
                                attention_probs_dropout_prob=0.1, max_position_embeddings=512, type_vocab_size=2,
                                initializer_range=0.2, layer_norm_eps=1e-12, pad_token_id=0,
                                attn_implementation="eager"), add_pooling_layer=False)


def perturb_norms(model, generator):
    # transformers initialises norm weights to 1 and biases to 0: random ones make a dropped or
    # misplaced norm or bias visible in the outputs
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name.lower() or name.endswith(".bias"):
                parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.1)


def save_and_reload(model, cls, directory):
    model.save_pretrained(directory, safe_serialization=True)
    extra = {"add_pooling_layer": False} if cls is BertModel else {}
    reloaded = cls.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32, **extra)
    reloaded.eval()
    return reloaded


def floats(tensor):
    return [float(x) for x in tensor.reshape(-1).tolist()]


def decoder_expected(model, name):
    ids = torch.tensor([DECODER_PROMPT])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0]  # [prompt, vocab]
        generated, margins = [], []
        sequence = list(DECODER_PROMPT)
        for _ in range(GREEDY_TOKENS):
            last = model(input_ids=torch.tensor([sequence])).logits[0, -1]
            top = torch.topk(last, 2)
            generated.append(int(top.indices[0]))
            margins.append(float(top.values[0] - top.values[1]))
            sequence.append(generated[-1])
    return {
        "model": name,
        "prompt": DECODER_PROMPT,
        "vocab_size": model.config.vocab_size,
        "prompt_logits": floats(logits),
        "last_logits": floats(logits[-1]),
        "greedy_tokens": generated,
        "greedy_margins": margins,
    }


def encoder_expected(model):
    hidden, embeddings = [], []
    with torch.no_grad():
        for sequence in ENCODER_SEQUENCES:
            ids = torch.tensor([sequence])
            states = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                           token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]  # [length, hidden]
            pooled = torch.nn.functional.normalize(states.mean(dim=0), dim=0)  # [hidden]
            hidden.append(floats(states))
            embeddings.append(floats(pooled))
    return {
        "model": "bert",
        "sequences": ENCODER_SEQUENCES,
        "hidden_size": model.config.hidden_size,
        "last_hidden_states": hidden,
        "embeddings": embeddings,
    }


def main():
    if len(sys.argv) != 2:
        fail("usage: make_fixtures.py OUTPUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    provenance = {"torch": torch.__version__, "transformers": transformers.__version__, "seed": SEED}
    for name, build, cls in (("llama", build_llama, LlamaForCausalLM), ("qwen2", build_qwen2, Qwen2ForCausalLM),
                             ("bert", build_bert, BertModel)):
        start = time.time()
        model = build()
        perturb_norms(model, generator)
        directory = os.path.join(out, name)
        reloaded = save_and_reload(model, cls, directory)
        expected = encoder_expected(reloaded) if name == "bert" else decoder_expected(reloaded, name)
        expected["provenance"] = provenance
        with open(os.path.join(directory, "expected.json"), "w") as f:
            json.dump(expected, f)
        summary = ""
        if "greedy_margins" in expected:
            summary = ", greedy %s, smallest top-2 margin %.4f" % (expected["greedy_tokens"][:8],
                                                                   min(expected["greedy_margins"]))
        print("%s: %d parameters, %.1f s%s" % (name, sum(p.numel() for p in reloaded.parameters()),
                                               time.time() - start, summary))


if __name__ == "__main__":
    main()
