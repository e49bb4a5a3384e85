#!/usr/bin/python3
"""PyTorch twin of `backprop train`: the same --arch language, recipe and augmentation, for comparing
accuracy and speed with the Java engine. Run with Debian's python3 (python3-torch):

    /usr/bin/python3 tools/reference/train_mnist.py --arch "c8 c16 ..." --data ../shared/data/mnist
"""
import argparse
import gzip
import math
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def load(data_dir, prefix):
    def find(name):
        for candidate in (name, name + ".gz"):
            if os.path.exists(os.path.join(data_dir, candidate)):
                return os.path.join(data_dir, candidate)
        sys.exit(f"missing {name} in {data_dir}")
    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    return torch.from_numpy(images.copy()).float().div_(255).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def window(suffixes):
    """Kernel, padding and stride of a convolution token's kK pP sS suffixes (defaults 3, 0, 1)."""
    k, p, s = 3, 0, 1
    for key, value in re.findall(r"([kps])(\d+)", suffixes):
        k, p, s = (int(value), p, s) if key == "k" else (k, int(value), s) if key == "p" else (k, p, int(value))
    return k, p, s


def build(spec):
    """Same language as dev.backprop.models.ArchSpec."""
    layers, c, h = [], 1, 28
    for token in spec.split():
        m = re.fullmatch(r"(c|conv)(\d+)((?:[kps]\d+)*)(nb)?", token)
        dw = re.fullmatch(r"(dw|dwconv)((?:[kps]\d+)*)(nb)?", token)
        if m:
            k, p, s = window(m.group(3))
            out = int(m.group(2))
            layers.append(nn.Conv2d(c, out, k, s, p, bias=m.group(4) is None))
            if m.group(1) == "c":
                layers += [nn.ReLU(), nn.BatchNorm2d(out)]
            c, h = out, (h + 2 * p - k) // s + 1
        elif dw:
            k, p, s = window(dw.group(2))
            layers.append(nn.Conv2d(c, c, k, s, p, groups=c, bias=dw.group(3) is None))
            if dw.group(1) == "dw":
                layers += [nn.ReLU(), nn.BatchNorm2d(c)]
            h = (h + 2 * p - k) // s + 1
        elif token == "relu":
            layers.append(nn.ReLU())
        elif token == "bn":
            layers.append(nn.BatchNorm2d(c))
        elif token == "gap":
            layers.append(nn.AdaptiveAvgPool2d(1)); h = 1
        elif re.fullmatch(r"[ma]\d*", token):
            size = int(token[1:]) if len(token) > 1 else (2 if token[0] == "m" else 3)
            layers.append(nn.MaxPool2d(size) if token[0] == "m" else nn.AvgPool2d(size)); h //= size
        elif re.fullmatch(r"dd?[0-9.]+", token):
            p = float(token.lstrip("d"))
            layers.append(nn.Dropout2d(p) if token.startswith("dd") else nn.Dropout(p))
        elif re.fullmatch(r"fc\d+r?", token):
            out = int(token[2:].rstrip("r"))
            if h is not None:
                layers.append(nn.Flatten()); c, h = c * h * h, None
            layers.append(nn.Linear(c, out))
            if token.endswith("r"):
                layers.append(nn.ReLU())
            c = out
        else:
            sys.exit(f"unknown token {token}")
    if h is not None:
        layers.append(nn.Flatten())
    layers.append(nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


def rotate(images, degrees, generator):
    """Random rotation in +/-degrees about the centre, bilinear, black fill (on [0,1] images)."""
    n = images.shape[0]
    angles = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(degrees)
    cos, sin = torch.cos(angles), torch.sin(angles)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = cos, -sin, sin, cos
    grid = F.affine_grid(theta, images.shape, align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def evaluate(model, images, labels, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = model((images[i:i + batch] - MEAN) / STD)
            loss += F.nll_loss(out, labels[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == labels[i:i + batch]).sum().item()
    return loss / len(images), correct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--data", default=os.environ.get("BACKPROP_DATA", "../shared/data/mnist"))
    ap.add_argument("--epochs", type=int, default=19)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "adamw"])
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--schedule", default="onecycle", choices=["onecycle", "step", "none"])
    ap.add_argument("--max-lr", type=float, default=0.05)
    ap.add_argument("--step-size", type=int, default=8)
    ap.add_argument("--gamma", type=float, default=0.1)
    ap.add_argument("--rotation", type=float, default=7.0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    model = build(args.arch)
    print(f"params {sum(p.numel() for p in model.parameters())}", flush=True)
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    elif args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps = math.ceil(len(train_x) / args.batch_size)
    per_batch = None
    per_epoch = None
    if args.schedule == "onecycle":
        per_batch = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.max_lr, epochs=args.epochs, steps_per_epoch=steps)
    elif args.schedule == "step":
        per_epoch = torch.optim.lr_scheduler.StepLR(opt, step_size=args.step_size, gamma=args.gamma)
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.time()
        order = torch.randperm(len(train_x), generator=generator)
        total_loss, correct, lr = 0.0, 0, opt.param_groups[0]["lr"]
        for i in range(0, len(train_x), args.batch_size):
            idx = order[i:i + args.batch_size]
            x = train_x[idx]
            if args.rotation > 0:
                x = rotate(x, args.rotation, generator)
            out = model((x - MEAN) / STD)
            loss = F.nll_loss(out, train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if per_batch:
                per_batch.step()
            total_loss += loss.item() * len(idx)
            correct += (out.argmax(1) == train_y[idx]).sum().item()
        if per_epoch:
            per_epoch.step()
        seconds = time.time() - start
        test_loss, test_correct = evaluate(model, test_x, test_y)
        print(f"epoch {epoch:2d} lr {lr:.4f} train loss {total_loss / len(train_x):.4f} "
              f"acc {100 * correct / len(train_x):.2f}% test loss {test_loss:.4f} "
              f"acc {test_correct}/{len(test_x)} ({test_correct / 100:.2f}%) {seconds:.1f}s", flush=True)


if __name__ == "__main__":
    main()
