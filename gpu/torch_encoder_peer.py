#!/usr/bin/env python3
"""The PyTorch side of the encoder throughput comparison (the Java side is CudaEncoderThroughput).

  torch_encoder_peer.py save SHAPE DIR
      Builds a BertModel of SHAPE (minilm: all-MiniLM-L6-v2's, 384 hidden, 6 layers; base: bert-base's,
      768 hidden, 12 layers; both with the 30522-token vocabulary) with random weights from a fixed
      seed, saves it with save_pretrained into DIR (float32, the layout the engine loads), and writes
      DIR/check.json: the mean-pooled, L2-normalised float32 embeddings transformers computes for four
      fixed sequences, which the Java side compares with its own before it times anything.

  torch_encoder_peer.py bench DIR --shape SHAPE --round N [--batches 1,32,128] [--length 128] [--iterations 20]
      Loads DIR in bf16 on the GPU once per attention implementation (eager, sdpa) and times the same
      work the Java side times: token ids from the host, the encoder, mean pooling, L2 norm, embeddings
      back on the host. Prints one JSON line per (implementation, batch) with every iteration's seconds.

Needs torch with CUDA for bench; save runs on the CPU too.
"""

import argparse
import json
import os
import sys
import time


def fail(message, code=2):
    print("torch_encoder_peer: " + message, file=sys.stderr)
    sys.exit(code)


try:
    import torch
    from transformers import BertConfig, BertModel
except ImportError as e:
    fail("needs torch and transformers (%s)" % e)

SEED = 20261204
SHAPES = {
    "minilm": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536),
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
}
CHECK_SEQUENCES = [[101, 2023, 2003, 1037, 6251, 102], [101] + list(range(1000, 1126)) + [102], [101, 102],
                   [101, 7592, 2088, 999, 102]]
WARMUP = 3


def embed(model, ids, mask):
    states = model(input_ids=ids, attention_mask=mask).last_hidden_state  # [batch, length, hidden]
    weights = mask.unsqueeze(-1).to(states.dtype)
    pooled = (states * weights).sum(dim=1) / weights.sum(dim=1)  # [batch, hidden]
    return torch.nn.functional.normalize(pooled.float(), dim=-1)


def save(shape, directory):
    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=30522, max_position_embeddings=512, type_vocab_size=2, hidden_act="gelu",
                        layer_norm_eps=1e-12, **SHAPES[shape])
    model = BertModel(config, add_pooling_layer=False).eval()
    model.save_pretrained(directory, safe_serialization=True)
    embeddings = []
    with torch.no_grad():
        for sequence in CHECK_SEQUENCES:
            ids = torch.tensor([sequence])
            embeddings.append([float(x) for x in embed(model, ids, torch.ones_like(ids))[0].tolist()])
    with open(os.path.join(directory, "check.json"), "w") as f:
        json.dump({"sequences": CHECK_SEQUENCES, "embeddings": embeddings}, f)
    print("saved %s (%d parameters) to %s" % (shape, sum(p.numel() for p in model.parameters()), directory))


def bench(args):
    if not torch.cuda.is_available():
        fail("no CUDA device visible to torch %s, so nothing to time" % torch.__version__, 3)
    device = torch.device("cuda")
    batches = [int(b) for b in args.batches.split(",")]
    generator = torch.Generator().manual_seed(SEED + args.round)
    for implementation in ("eager", "sdpa"):
        model = BertModel.from_pretrained(args.dir, attn_implementation=implementation, dtype=torch.bfloat16,
                                          add_pooling_layer=False).to(device).eval()
        for batch in batches:
            ids_host = torch.randint(1000, 30000, (batch, args.length), generator=generator)
            mask_host = torch.ones_like(ids_host)
            seconds = []
            with torch.inference_mode():
                for i in range(WARMUP + args.iterations):
                    torch.cuda.synchronize()
                    start = time.perf_counter()
                    out = embed(model, ids_host.to(device), mask_host.to(device)).cpu()
                    elapsed = time.perf_counter() - start
                    if i >= WARMUP:
                        seconds.append(elapsed)
            if not torch.isfinite(out).all():
                fail("%s %s batch %d produced non-finite embeddings" % (args.shape, implementation, batch), 4)
            print(json.dumps({"side": "transformers-" + implementation, "shape": args.shape, "round": args.round,
                              "batch": batch, "length": args.length, "seconds": seconds,
                              "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}), flush=True)
        del model
        torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    save_parser = sub.add_parser("save")
    save_parser.add_argument("shape", choices=sorted(SHAPES))
    save_parser.add_argument("dir")
    bench_parser = sub.add_parser("bench")
    bench_parser.add_argument("dir")
    bench_parser.add_argument("--shape", required=True, choices=sorted(SHAPES))
    bench_parser.add_argument("--round", type=int, default=1)
    bench_parser.add_argument("--batches", default="1,32,128")
    bench_parser.add_argument("--length", type=int, default=128)
    bench_parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    if args.command == "save":
        save(args.shape, args.dir)
    else:
        if not os.path.isfile(os.path.join(args.dir, "config.json")):
            fail("%s has no config.json; run save first" % args.dir)
        bench(args)


if __name__ == "__main__":
    main()
