#!/usr/bin/env bash
# Compares our inference (`backprop bench`) with ONNX Runtime's Java API on the same model, exported by
# `backprop export`: ONNX Runtime runs it in src/test/java/dev/backprop/bench/OnnxRuntimeBench.java, on the test
# class path (ONNX Runtime is a test-scope dependency, never part of the product), with --threads intra-op threads
# and all graph optimizations. For each inference batch size (1000, then 1) the two run alternately, ours then
# ONNX Runtime, --pairs times, so that a change in the machine's load hits both alike; then images/s per pair, the
# ratio ours / ONNX Runtime (above 1: ours is faster) and the median ratios. Every run's JSON is kept in --out DIR.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")

usage() {
  cat <<USAGE
Usage: bench/compare-onnxruntime.sh [--model NAME | --arch SPEC] [--checkpoint FILE] [--threads N] [--pairs N]
                                    [--data DIR | --synthetic] [--out DIR] [--warmup N] [--repeat N]

  --model NAME       zoo model (default ref15k); --arch SPEC benchmarks an architecture instead
  --checkpoint FILE  the weights to export (default: a short 'backprop train' run, --limit 512 --epochs 1, which
                     needs MNIST: --data or where backprop finds it)
  --threads N        compute threads for both: ours, and ONNX Runtime's intra-op threads (default 2)
  --pairs N          how many ours / ONNX Runtime pairs per batch size (default 5)
  --data DIR         MNIST directory for both (default: where backprop finds it); --synthetic: random images
  --out DIR          where the model and the JSON of every run go (default out/compare-onnxruntime/<model>-<time>)
  --warmup, --repeat untimed and timed repetitions of each run (default 2 and 5)
Batch 1000 runs 10 batches a repetition, batch 1 runs 2,000.
USAGE
}

die() {
  echo "compare-onnxruntime: $*" >&2
  exit 2
}

model=ref15k
arch=
checkpoint=
threads=2
pairs=5
data=
synthetic=false
out=
warmup=2
repeat=5
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --synthetic) synthetic=true; shift; continue ;;
  esac
  [ $# -ge 2 ] || die "$1 needs a value (see --help)"
  case $1 in
    --model) model=$2 ;;
    --arch) arch=$2 ;;
    --checkpoint) checkpoint=$2 ;;
    --threads) threads=$2 ;;
    --pairs) pairs=$2 ;;
    --data) data=$2 ;;
    --out) out=$2 ;;
    --warmup) warmup=$2 ;;
    --repeat) repeat=$2 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done
for n in pairs threads repeat; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--$n must be a positive whole number, got '${!n}'"
done
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup must be a whole number, got '$warmup'"
[ -n "$data" ] && [ "$synthetic" = true ] && die "give --data or --synthetic, not both"
[ -z "$data" ] || [ -d "$data" ] || die "--data $data: no such directory"
[ -z "$checkpoint" ] || [ -f "$checkpoint" ] || die "--checkpoint $checkpoint: no such file"
[ -n "$checkpoint" ] || [ "$synthetic" = false ] || die "--synthetic needs --checkpoint (a model to export)"

model_options=(--model "$model")
name=$model
if [ -n "$arch" ]; then
  model_options+=(--arch "$arch")
  name=custom
fi
out=${out:-$root/out/compare-onnxruntime/$name-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
data_options=()
[ -n "$data" ] && data_options=(--data "$data")
[ "$synthetic" = true ] && data_options=(--synthetic)

. "$root/bin/jdk.sh"
backprop_find_jdk
echo "compare-onnxruntime: compiling the test classes and resolving their class path (ONNX Runtime)" >&2
"$root/mvnw" -q -B -f "$root/pom.xml" test-compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$out/classpath.txt" >&2 || die "the build failed (see above)"
classpath="$root/target/test-classes:$root/target/classes:$(cat "$out/classpath.txt")"

if [ -z "$checkpoint" ]; then
  echo "compare-onnxruntime: training $name briefly for weights to export" >&2
  "$root/bin/backprop" train "${model_options[@]}" "${data_options[@]}" --limit 512 --epochs 1 \
    --out "$out/checkpoint" --force >/dev/null || die "backprop train failed (see above)"
  checkpoint=$out/checkpoint/model.safetensors
fi
"$root/bin/backprop" export --checkpoint "$checkpoint" "${model_options[@]}" --onnx "$out/model.onnx" --force >&2 \
  || die "backprop export failed (see above)"

# ONNX Runtime reads the images our first run used (the same directory, or synthetic ones).
ort_data_from() {
  sed -n 's/.*"data_dir":"\([^"]*\)".*/--data\n\1/p; s/.*"data":"synthetic".*/--synthetic/p' "$1" | head -n 2
}

ort_data=("${data_options[@]}")
for batch in 1000 1; do
  steps=$([ "$batch" = 1 ] && echo 2000 || echo 10)
  for ((i = 1; i <= pairs; i++)); do
    echo "compare-onnxruntime: batch $batch, pair $i/$pairs: backprop bench" >&2
    "$root/bin/backprop" bench "${model_options[@]}" --threads "$threads" "${data_options[@]}" --batches 1 \
      --infer-batch-size "$batch" --infer-batches "$steps" --warmup "$warmup" --repeat "$repeat" --json \
      >"$out/ours-b$batch-$i.json" || die "backprop bench failed"
    if [ ${#ort_data[@]} -eq 0 ]; then
      mapfile -t ort_data < <(ort_data_from "$out/ours-b$batch-$i.json")
    fi
    echo "compare-onnxruntime: batch $batch, pair $i/$pairs: ONNX Runtime" >&2
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$classpath" dev.backprop.bench.OnnxRuntimeBench \
      --onnx "$out/model.onnx" --threads "$threads" "${ort_data[@]}" --infer-batch-size "$batch" \
      --infer-batches "$steps" --warmup "$warmup" --repeat "$repeat" >"$out/onnxruntime-b$batch-$i.json" \
      || die "OnnxRuntimeBench failed"
  done
done

python3 - "$out" "$pairs" <<'PY' | tee "$out/summary.txt"
import json, os, statistics, sys
out, pairs = sys.argv[1], int(sys.argv[2])
def runs(prefix, batch):
    return [json.load(open(os.path.join(out, f"{prefix}-b{batch}-{i}.json"))) for i in range(1, pairs + 1)]
first, ort = runs("ours", 1000)[0], runs("onnxruntime", 1000)[0]
data = "synthetic images" if first["data"] == "synthetic" else "MNIST from " + first["data_dir"]
print(f"{first['model']} ({first['params']:,} params), {first['threads']} thread(s), inference on {data}")
print(f"backprop {first['version']} on Java {first['jdk']} ({first['gemm']}) vs ONNX Runtime {ort['version']} "
      f"(Java API, {ort['threads']} intra-op threads, all graph optimizations)")
print(f"each run: {first['warmup']} warm-up + {first['repeat']} timed repetitions; images/s are each run's median")
for batch in (1000, 1):
    ours, theirs = runs("ours", batch), runs("onnxruntime", batch)
    ratios = [a["infer_images_per_s"] / b["infer_images_per_s"] for a, b in zip(ours, theirs)]
    print()
    print(f"batch {batch}:  {'pair':>4}  {'ours':>10} {'ONNX RT':>10} {'ratio':>6}")
    for i, (a, b, r) in enumerate(zip(ours, theirs, ratios), 1):
        print(f"{'':>10}{i:>4}  {a['infer_images_per_s']:>10.1f} {b['infer_images_per_s']:>10.1f} {r:>6.2f}")
    print(f"{'':>10}{'med':>4}  {statistics.median(a['infer_images_per_s'] for a in ours):>10.1f} "
          f"{statistics.median(b['infer_images_per_s'] for b in theirs):>10.1f} {statistics.median(ratios):>6.2f}")
print()
print("ratio = ours / ONNX Runtime (above 1: ours is faster)")
PY
