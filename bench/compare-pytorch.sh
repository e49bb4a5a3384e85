#!/usr/bin/env bash
# Compares `backprop bench` with its PyTorch twin (tools/reference/bench_pytorch.py) on the same model, data,
# threads, batch sizes, warm-up and repetitions. The two run alternately, ours then PyTorch, --pairs times, so that
# a change in the machine's load (it is shared) hits both alike; then a table of images/s per pair, the ratio
# ours / PyTorch (above 1: ours is faster) and the median ratios. Every run's JSON is kept in --out DIR.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")
python=${BACKPROP_PYTHON:-/usr/bin/python3}

usage() {
  cat <<EOF
Usage: bench/compare-pytorch.sh [--model NAME | --arch SPEC] [--threads N] [--pairs N] [--data DIR | --synthetic]
                                [--out DIR] [--batch-size B] [--infer-batch-size B] [--batches N]
                                [--infer-batches N] [--warmup N] [--repeat N]

Runs 'bin/backprop bench' and 'tools/reference/bench_pytorch.py' alternately (A B A B ...), --pairs times, and
prints images/s of each and the ratio ours / PyTorch for training and inference.

  --model NAME   zoo model (default ref15k); --arch SPEC benchmarks an architecture instead
  --threads N    compute threads for both (default 2)
  --pairs N      how many ours/PyTorch pairs (default 5)
  --data DIR     MNIST directory for both (default: where backprop finds it, which PyTorch then uses too)
  --synthetic    random images for both
  --out DIR      where the JSON of every run goes (default out/compare-pytorch/<model>-<time>)
  the others     passed to both benchmarks unchanged (see 'bin/backprop bench --help')

Needs PyTorch for Debian's python3 (/usr/bin/python3, or \$BACKPROP_PYTHON): apt-get install python3-torch
EOF
}

die() {
  echo "compare-pytorch: $*" >&2
  exit 2
}

model=ref15k
arch=
threads=2
pairs=5
data=
synthetic=false
out=
passed=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --synthetic) synthetic=true; shift; continue ;;
  esac
  [ $# -ge 2 ] || die "$1 needs a value (see --help)"
  case $1 in
    --model) model=$2 ;;
    --arch) arch=$2 ;;
    --threads) threads=$2 ;;
    --pairs) pairs=$2 ;;
    --data) data=$2 ;;
    --out) out=$2 ;;
    --batch-size|--infer-batch-size|--batches|--infer-batches|--warmup|--repeat) passed+=("$1" "$2") ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done
[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "--pairs must be a positive whole number, got '$pairs'"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive whole number, got '$threads'"
[ -n "$data" ] && [ "$synthetic" = true ] && die "give --data or --synthetic, not both"
[ -z "$data" ] || [ -d "$data" ] || die "--data $data: no such directory"

if [ ! -x "$python" ]; then
  echo "compare-pytorch: $python not found. The PyTorch side runs on Debian's python3 with its PyTorch:" >&2
  echo "  sudo apt-get install python3 python3-torch      (or set BACKPROP_PYTHON to a python3 with torch)" >&2
  exit 1
fi
if ! torch_version=$("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null) || [ -z "$torch_version" ]; then
  echo "compare-pytorch: $python cannot import torch. Install PyTorch for it:" >&2
  echo "  sudo apt-get install python3-torch      (or set BACKPROP_PYTHON to a python3 with torch)" >&2
  exit 1
fi

# Our side: bin/backprop builds the jar if it is missing or older than the sources. The architecture comes from
# the zoo through `backprop summary`, so the PyTorch twin builds the very same layers.
ours_model=(--model "$model")
if [ -n "$arch" ]; then
  ours_model+=(--arch "$arch")
  name=custom
else
  summary=$("$root/bin/backprop" summary --model "$model") || die "cannot read model '$model' (see above)"
  arch=$(sed -n 's/^arch: //p' <<<"$summary")
  [ -n "$arch" ] || die "'backprop summary --model $model' printed no arch line"
  name=$model
fi

out=${out:-$root/out/compare-pytorch/$name-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

ours_data=()
torch_data=()
if [ "$synthetic" = true ]; then
  ours_data=(--synthetic)
  torch_data=(--synthetic)
elif [ -n "$data" ]; then
  ours_data=(--data "$data")
  torch_data=(--data "$data")
fi

# The PyTorch side reads the data our first run used (the same directory, or synthetic images of the same sizes).
torch_data_from() {
  "$python" - "$1" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
print("--synthetic" if report["data"] == "synthetic" else "--data\n" + report["data_dir"])
EOF
}

echo "compare-pytorch: $name, $threads thread(s), $pairs pairs (ours, then PyTorch $torch_version); JSON in $out" >&2
for ((i = 1; i <= pairs; i++)); do
  echo "compare-pytorch: pair $i/$pairs: backprop bench" >&2
  "$root/bin/backprop" bench "${ours_model[@]}" --threads "$threads" "${ours_data[@]}" "${passed[@]}" --json \
    >"$out/ours-$i.json" || die "backprop bench failed (pair $i)"
  if [ ${#torch_data[@]} -eq 0 ]; then
    mapfile -t torch_data < <(torch_data_from "$out/ours-$i.json")
  fi
  echo "compare-pytorch: pair $i/$pairs: bench_pytorch.py" >&2
  "$python" "$root/tools/reference/bench_pytorch.py" --arch "$arch" --model "$name" --threads "$threads" \
    "${torch_data[@]}" "${passed[@]}" --json >"$out/pytorch-$i.json" || die "bench_pytorch.py failed (pair $i)"
done

"$python" - "$out" "$pairs" <<'EOF' | tee "$out/summary.txt"
import json, os, statistics, sys
out, pairs = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(os.path.join(out, f"ours-{i}.json"))) for i in range(1, pairs + 1)]
torch = [json.load(open(os.path.join(out, f"pytorch-{i}.json"))) for i in range(1, pairs + 1)]
first, med = ours[0], statistics.median
data = "synthetic images" if first["data"] == "synthetic" else "MNIST from " + first["data_dir"]
threads = f"{first['threads']} thread{'' if first['threads'] == 1 else 's'}"
print(f"{first['model']} ({first['params']:,} params, {first['macs']:,} MACs/image), {threads}, "
      f"training batch {first['batch_size']}, inference batch {first['infer_batch_size']}, {data}")
wait = os.environ.get("OMP_WAIT_POLICY")
print(f"backprop {first['version']} on Java {first['jdk']} ({first['gemm']}) vs PyTorch {torch[0]['version']} "
      f"({torch[0]['gemm']}; " + (f"OMP_WAIT_POLICY={wait})" if wait else "OMP_WAIT_POLICY not set: libgomp spins)"))
print(f"each run: {first['warmup']} warm-up + {first['repeat']} timed repetitions of {first['batches']} training / "
      f"{first['infer_batches']} inference batches; images/s are each run's median")
print()
print(f"{'pair':>4}  {'train ours':>10} {'PyTorch':>10} {'ratio':>6}   {'infer ours':>10} {'PyTorch':>10} {'ratio':>6}"
      f"   {'load':>4}")
train_ratios, infer_ratios = [], []
for i, (a, b) in enumerate(zip(ours, torch), 1):
    tr = a["train_images_per_s"] / b["train_images_per_s"]
    ir = a["infer_images_per_s"] / b["infer_images_per_s"]
    train_ratios.append(tr)
    infer_ratios.append(ir)
    print(f"{i:>4}  {a['train_images_per_s']:>10.1f} {b['train_images_per_s']:>10.1f} {tr:>6.2f}   "
          f"{a['infer_images_per_s']:>10.1f} {b['infer_images_per_s']:>10.1f} {ir:>6.2f}   "
          f"{a['load_average'] if a['load_average'] is not None else float('nan'):>4.1f}")
print(f"{'med':>4}  {med(a['train_images_per_s'] for a in ours):>10.1f} {med(b['train_images_per_s'] for b in torch):>10.1f} "
      f"{med(train_ratios):>6.2f}   {med(a['infer_images_per_s'] for a in ours):>10.1f} "
      f"{med(b['infer_images_per_s'] for b in torch):>10.1f} {med(infer_ratios):>6.2f}")
print()
print(f"median ratio ours / PyTorch: training {med(train_ratios):.2f}, inference {med(infer_ratios):.2f} "
      "(above 1: ours is faster)")
for label, key in (("GEMM ceiling GFLOP/s", "gemm_ceiling_gflops"), ("training GFLOP/s", "train_gflops"),
                   ("inference GFLOP/s", "infer_gflops"), ("peak RSS MB", "peak_rss_mb")):
    values = [r[key] for r in ours], [r[key] for r in torch]
    if all(v is not None for v in values[0] + values[1]):
        print(f"median {label}: ours {med(values[0]):.1f}, PyTorch {med(values[1]):.1f}")
print("load = the 1-minute load average when our run started (the machine has "
      f"{os.cpu_count()} CPUs; above that, other processes took CPU time from the benchmark)")
EOF
