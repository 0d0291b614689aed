#!/usr/bin/env bash
# The bf16 learning check (docs/core.md): IQL and ADEPT+IQL on hopper-medium-replay (the
# quickstart's 50k transitions), 10k updates, seeds 0–2, in fp32 and in bf16; then the
# world models' held-out errors. Each run is `adept train`, resumable; the table comes
# from bench/precision-table.ts. One thread per run, one run at a time.
#
#   bash bench/precision-learning.sh [out-dir (default runs/precision)] [seeds (default "0 1 2")]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-runs/precision}")
SEEDS=${2:-"0 1 2"}
export ADEPT_THREADS=1
export ADEPT_CACHE=${ADEPT_CACHE:-$PWD/.cache/adept}
DATA=$ADEPT_CACHE/datasets/hopper-medium-replay.hdf5
# Run from a snapshot of the build, so that rebuilding the repository meanwhile does not
# change (or crash) the runs.
SNAP="$OUT/.snapshot"
if [ ! -d "$SNAP" ]; then
  mkdir -p "$SNAP/build"
  cp -r dist package.json binding.gyp policies "$SNAP/"
  cp -r build/Release "$SNAP/build/"
  ln -s "$PWD/node_modules" "$SNAP/node_modules"
  ln -s "$PWD/src" "$SNAP/src" # the env assets (src/envs/assets)
fi
CLI="node $SNAP/dist/src/cli/main.js"
[ -f "$DATA" ] || $CLI data build hopper-medium-replay --size 50000 --no-progress
for seed in $SEEDS; do
  for precision in fp32 bf16; do
    for algo in iql adept-iql; do
      dir="$OUT/$precision/$algo/seed$seed"
      [ -f "$dir/summary.json" ] && continue
      extra=()
      # The quickstart's ADEPT schedule for a 10k-step budget.
      [ "$algo" = adept-iql ] && extra=(--wm-pretrain-steps 5000 --iteration-steps 1000)
      echo "== $(date -u +%FT%TZ) $precision $algo seed $seed (load: $(cut -d' ' -f1-3 /proc/loadavg))"
      $CLI train --algo "$algo" --dataset hopper-medium-replay --steps 10000 --seed "$seed" --out "$dir" \
        --eval-every 2500 --eval-episodes 10 --checkpoint-every 2500 --precision "$precision" --resume --no-progress "${extra[@]}"
      if [ "$algo" = adept-iql ]; then
        ADEPT_PRECISION=$precision $CLI wm eval --model "$dir/latest-world-model.safetensors" --dataset "$DATA" --json > "$dir/wm-eval.json"
      fi
    done
  done
done
node "$SNAP/dist/bench/precision-table.js" "$OUT"
