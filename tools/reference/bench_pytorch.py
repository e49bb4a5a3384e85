#!/usr/bin/python3
"""PyTorch twin of `backprop bench`: the same measurement, model, batch sizes, warm-up and repetitions, and the
same JSON keys, so that bench/compare-pytorch.sh can put the two side by side. Run with Debian's python3
(python3-torch, PyTorch 1.13):

    /usr/bin/python3 tools/reference/bench_pytorch.py --arch "$(bin/backprop summary --model ref15k | sed -n 's/^arch: //p')" \
        --model ref15k --threads 2 --data ../shared/data/mnist --json

What is timed (as dev.backprop.bench.Benchmark does it):
  training   per step: gather B shuffled, pre-normalised images (x = train_x[idx]), zero_grad, forward in training
             mode (BN batch statistics, dropout on), NLL loss, backward, SGD step (lr 0.01, momentum 0.9); a
             repetition is --batches steps, images/s = batches * B / seconds
  inference  per step: eval-mode forward of a --infer-batch-size slice of the test images under no_grad
--warmup untimed repetitions first, then --repeat timed ones; min, median and max are reported. The "GEMM ceiling"
is the best GFLOP/s of a 1x1 convolution equal to a 256x256x256 product, because PyTorch's convolutions run on
oneDNN while torch.mm uses the BLAS it was built against (Debian's: the reference BLAS, a few GFLOP/s).
"""
import argparse
import json
import os
import platform
import re
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_mnist import MEAN, STD, build, load  # noqa: E402  (the same --arch language as `backprop train`)

LR, MOMENTUM = 0.01, 0.9
MNIST_TRAIN, MNIST_TEST = 60000, 10000
CEILING_SIZE = 256


def count_macs(model):
    """Multiply-accumulates per 1x28x28 image of the convolutions and linear layers, as ModelSummary counts them."""
    macs = []

    def conv(module, inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        macs.append(output[0].numel() * module.in_channels // module.groups * k)

    def linear(module, inputs, output):
        macs.append(module.in_features * module.out_features)

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, nn.Linear)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    return sum(macs)


def find_mnist(data):
    """--data, then $BACKPROP_DATA, then the cache `backprop` fills; None when none of them has the files."""
    if data:
        return data
    if os.environ.get("BACKPROP_DATA", "").strip():
        return os.environ["BACKPROP_DATA"]
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    cache = os.path.join(base, "backprop", "mnist")
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    if all(os.path.exists(os.path.join(cache, n)) or os.path.exists(os.path.join(cache, n + ".gz")) for n in names):
        return cache
    return None


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.split(":")[0].strip() == "model name":
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def gemm_name():
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    onednn = re.search(r"MKL-DNN v([\d.]+)", config)
    return (f"convolutions: oneDNN {onednn.group(1) if onednn else '?'} "
            f"(mkldnn {'on' if torch.backends.mkldnn.is_available() else 'off'}); "
            f"matmul: BLAS {blas.group(1) if blas else '?'}")


def measure_ceiling(threads, warmup_s=0.5, windows=10, window_s=0.1):
    """Best GFLOP/s of a 1x1 convolution equal to a CEILING_SIZE^3 product: C[n x n] = W[n x n] X[n x n]."""
    n = CEILING_SIZE
    x = torch.rand(16, n, 4, n // 64) * 2 - 1  # 16 images of 4 x n/64 pixels: n columns in all
    w = torch.rand(n, n, 1, 1) * 2 - 1
    flop = 2.0 * n * n * n

    def run(seconds):
        start, count = time.perf_counter(), 0
        while True:
            F.conv2d(x, w)
            count += 1
            if time.perf_counter() - start >= seconds:
                return count

    with torch.no_grad():
        run(warmup_s)
        best = 0.0
        for _ in range(windows):
            start = time.perf_counter()
            count = run(window_s)
            best = max(best, count * flop / (time.perf_counter() - start) / 1e9)
    return best, (f"{n}x{n}x{n} as a oneDNN 1x1 convolution on {threads} thread{'' if threads == 1 else 's'}, "
                  f"best of {windows} windows of {window_s:.1f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", required=True, help="architecture in the `backprop` --arch language")
    ap.add_argument("--model", default="custom", help="name for the report (the zoo name the arch came from)")
    ap.add_argument("--data", help="MNIST directory (default: $BACKPROP_DATA, then ~/.cache/backprop/mnist)")
    ap.add_argument("--synthetic", action="store_true", help="random images instead of MNIST")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--infer-batch-size", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--infer-batches", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object and nothing else on stdout")
    args = ap.parse_args()
    for name, low in (("threads", 1), ("batch_size", 1), ("infer_batch_size", 1), ("batches", 1),
                      ("infer_batches", 1), ("warmup", 0), ("repeat", 1)):
        if getattr(args, name) < low:
            ap.error(f"--{name.replace('_', '-')} must be at least {low}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = build(args.arch)
    params = sum(p.numel() for p in model.parameters())
    macs = count_macs(model)

    directory = None if args.synthetic else find_mnist(args.data)
    if directory is not None and not os.path.isdir(directory):
        ap.error(f"no such directory: {directory}")
    if directory is None:
        if not args.synthetic:
            print("bench_pytorch: no MNIST found (no --data, $BACKPROP_DATA not set, nothing in the cache): "
                  "benchmarking on synthetic random images", file=sys.stderr)
        n_train = min(MNIST_TRAIN, max(args.batch_size, args.batch_size * args.batches))
        n_test = min(MNIST_TEST, max(args.infer_batch_size, args.infer_batch_size * args.infer_batches))
        train_x = torch.randn(n_train, 1, 28, 28, generator=generator)
        train_y = torch.randint(10, (n_train,), generator=generator)
        test_x = torch.randn(n_test, 1, 28, 28, generator=generator)
        description = f"synthetic random images ({n_train:,} training / {n_test:,} test)"
    else:
        train_x, train_y = load(directory, "train")
        test_x, _ = load(directory, "t10k")
        train_x, test_x = (train_x - MEAN) / STD, (test_x - MEAN) / STD
        description = f"MNIST from {directory} ({len(train_x):,} training / {len(test_x):,} test images)"
    if len(train_x) < args.batch_size:
        ap.error(f"--batch-size {args.batch_size} is larger than the {len(train_x)} training images")
    if len(test_x) < args.infer_batch_size:
        ap.error(f"--infer-batch-size {args.infer_batch_size} is larger than the {len(test_x)} test images")

    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    load_avg = os.getloadavg()[0]  # other processes' load when the measurement starts
    order, cursor = None, len(train_x)
    progress = sys.stderr.isatty()

    def train_repetition(phase):
        nonlocal order, cursor
        model.train()
        b = args.batch_size
        start = time.perf_counter()
        for _ in range(args.batches):
            if cursor + b > len(train_x):  # reshuffle when fewer than B are left, as Benchmark does
                order, cursor = torch.randperm(len(train_x), generator=generator), 0
            idx = order[cursor:cursor + b]
            cursor += b
            x, y = train_x[idx], train_y[idx]
            optimizer.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            optimizer.step()
        rate = args.batches * b / (time.perf_counter() - start)
        if progress:
            print(f"{phase:<24} {rate:10.1f} img/s", file=sys.stderr, flush=True)
        return rate

    infer_batches = [test_x[i * args.infer_batch_size:(i + 1) * args.infer_batch_size]
                     for i in range(len(test_x) // args.infer_batch_size)]

    def infer_repetition(phase):
        model.eval()
        start = time.perf_counter()
        with torch.no_grad():
            for step in range(args.infer_batches):
                model(infer_batches[step % len(infer_batches)])
        rate = args.infer_batches * args.infer_batch_size / (time.perf_counter() - start)
        if progress:
            print(f"{phase:<24} {rate:10.1f} img/s", file=sys.stderr, flush=True)
        return rate

    for w in range(args.warmup):
        train_repetition(f"warm-up train {w + 1}/{args.warmup}")
    train = [train_repetition(f"train {r + 1}/{args.repeat}") for r in range(args.repeat)]
    for w in range(args.warmup):
        infer_repetition(f"warm-up inference {w + 1}/{args.warmup}")
    infer = [infer_repetition(f"inference {r + 1}/{args.repeat}") for r in range(args.repeat)]
    ceiling, ceiling_text = measure_ceiling(args.threads)

    train_gflops = statistics.median(train) * 3 * 2 * macs / 1e9
    infer_gflops = statistics.median(infer) * 2 * macs / 1e9
    report = {
        "framework": "pytorch",
        "version": torch.__version__,
        "model": args.model,
        "arch": args.arch,
        "params": params,
        "macs": macs,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "infer_batch_size": args.infer_batch_size,
        "batches": args.batches,
        "infer_batches": args.infer_batches,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "data": "synthetic" if directory is None else "mnist",
        "data_dir": directory,
        "train_images_per_s": statistics.median(train),
        "train_images_per_s_min": min(train),
        "train_images_per_s_max": max(train),
        "train_images_per_s_all": train,
        "infer_images_per_s": statistics.median(infer),
        "infer_images_per_s_min": min(infer),
        "infer_images_per_s_max": max(infer),
        "infer_images_per_s_all": infer,
        "train_gflops": train_gflops,
        "infer_gflops": infer_gflops,
        "gemm_ceiling_gflops": ceiling,
        "gemm_ceiling": ceiling_text,
        "train_ceiling_share": train_gflops / ceiling,
        "infer_ceiling_share": infer_gflops / ceiling,
        "peak_rss_mb": peak_rss_mb(),
        "jdk": None,
        "python": platform.python_version(),
        "gemm": gemm_name(),
        "cpu": cpu_model(),
        "load_average": load_avg,
    }
    if args.json:
        print(json.dumps(report))
        return
    threads = f"{args.threads} thread{'' if args.threads == 1 else 's'}"
    print(f"{args.model}: {params:,} params, {macs:,} MACs per image (forward); {threads}; {description}")
    print(f"PyTorch {torch.__version__}, Python {platform.python_version()}; {gemm_name()}")
    print(f"{args.warmup} warm-up + {args.repeat} timed repetitions; images/s median (min .. max); "
          f"load average {load_avg:.2f} at the start")
    for name, batch, steps, rates, gflops in (("training ", args.batch_size, args.batches, train, train_gflops),
                                              ("inference", args.infer_batch_size, args.infer_batches, infer,
                                               infer_gflops)):
        print(f"  {name}  batch {batch:5d} x {steps:3d} steps  {statistics.median(rates):9.1f} img/s "
              f"({min(rates):.1f} .. {max(rates):.1f})  {gflops:6.2f} GFLOP/s  {100 * gflops / ceiling:5.1f}% of ceiling")
    print(f"Measured GEMM ceiling: {ceiling:.1f} GFLOP/s ({ceiling_text})")
    print("GFLOP/s counts 2 flop per multiply-accumulate; a training step as 3 forward passes.")
    rss = peak_rss_mb()
    print(f"Peak RSS {rss:.0f} MB" if rss is not None else "Peak RSS not available on this system")


if __name__ == "__main__":
    main()
