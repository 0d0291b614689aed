#!/bin/bash
# Copies what a study's ended runs measured (config.json, metrics.jsonl, summary.json — never
# checkpoints) from its run folder to results/, where it is committed: finished runs, and
# diverged ones (a divergence is a result too; the report counts only finished runs and lists
# the rest). Runs still going (no summary.json yet, or one that says "stopped") are left alone
# and named; running it again copies what has ended since.
# Usage (repository root): experiments/collect.sh <study> [runs folder]
#   experiments/collect.sh random-200k                  # runs/random-200k → results/random-200k
#   experiments/collect.sh random-200k /elsewhere/runs  # /elsewhere/runs/random-200k → results/random-200k
set -eu
study=${1:?usage: experiments/collect.sh <study> [runs folder]}
from=${2:-runs}/$study
to=results/$study
[ -d "$from" ] || { echo "collect: no folder $from" >&2; exit 1; }
n=0
diverged=()
while IFS= read -r summary; do
  run=${summary%/summary.json}
  name=${run#"$from"/}
  if grep -q '"status": "diverged"' "$summary"; then diverged+=("$name")
  elif ! grep -q '"status": "finished"' "$summary"; then continue; fi
  mkdir -p "$to/$name"
  for f in config.json metrics.jsonl summary.json; do [ -f "$run/$f" ] && cp "$run/$f" "$to/$name/"; done
  n=$((n + 1))
done < <(find "$from" -name summary.json | sort)
echo "collect: $n ended runs of $from in $to"
[ ${#diverged[@]} -eq 0 ] || echo "collect: diverged (copied, not scored): ${diverged[*]}"
