#!/usr/bin/python3
"""Loads backprop checkpoints into their nn.Sequential twins with load_state_dict(strict=True) and prints the
eval-mode log-probabilities PyTorch computes for the images in INPUTS, as one JSON object
{checkpoint: [[10 numbers] per image]}. Run with Debian's python3-torch (no safetensors package needed):

    /usr/bin/python3 tools/interop/load_checkpoint.py --inputs INPUTS.safetensors CHECKPOINT.safetensors...

The architecture comes from --arch, else the one 'backprop train' records in each checkpoint ("backprop.arch");
INPUTS holds "input" [N, 1, 28, 28], normalised as in training. A checkpoint that does not fit exits 1 with
PyTorch's own message (missing or unexpected keys, size mismatches).
"""
import argparse
import json
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "reference"))
from safetensors_format import load  # noqa: E402
from train_mnist import build  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--arch")
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    images = load(args.inputs)[0]["input"]
    results = {}
    for path in args.checkpoints:
        state, metadata = load(path)
        arch = args.arch or metadata.get("backprop.arch")
        if arch is None:
            sys.exit(f"{path}: no backprop.arch in its metadata; give --arch")
        model = build(arch)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            sys.exit(f"{path}: {e}")
        model.eval()
        with torch.no_grad():
            results[path] = model(images).tolist()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
