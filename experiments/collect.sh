#!/bin/bash
# Copies what a study's finished runs measured (config.json, metrics.jsonl, summary.json — never
# checkpoints) from its run folder to results/, where it is committed. Unfinished runs (no
# summary.json yet, or one that says "stopped" or "diverged") are left alone; running it again
# copies what has finished since.
# Usage (repository root): experiments/collect.sh <study> [runs folder]
#   experiments/collect.sh random-200k                  # runs/random-200k → results/random-200k
#   experiments/collect.sh random-200k /elsewhere/runs  # /elsewhere/runs/random-200k → results/random-200k
set -eu
study=${1:?usage: experiments/collect.sh <study> [runs folder]}
from=${2:-runs}/$study
to=results/$study
[ -d "$from" ] || { echo "collect: no folder $from" >&2; exit 1; }
n=0
while IFS= read -r summary; do
  run=${summary%/summary.json}
  grep -q '"status": "finished"' "$summary" || continue
  name=${run#"$from"/}
  mkdir -p "$to/$name"
  for f in config.json metrics.jsonl summary.json; do [ -f "$run/$f" ] && cp "$run/$f" "$to/$name/"; done
  n=$((n + 1))
done < <(find "$from" -name summary.json | sort)
echo "collect: $n finished runs of $from in $to"
