#!/bin/bash
# Continues one of issue 16's studies on a checkout that lacks its workspace (a fresh clone, or
# one whose runs/ and .cache/ were lost): a git worktree at the study's commit (every run of
# the study is made by that code: RESULTS.md §5, "One numeric regime"), built; the datasets the
# spec names, built into the shared cache and checked against policies/manifest.json; the
# study's finished runs copied from results/ into the worktree's runs/ (the sweep skips them);
# then the sweep, in the background, one thread per run. Stages missing from runs/ are
# retrained by the sweep (the same bits: experiments/README.md). Everything it starts is logged
# to <worktree>/runs/<study>.log; collect finished runs with experiments/collect.sh.
# Usage (repository root of main):
#   experiments/resume.sh <spec> [adept sweep flags…]
#   experiments/resume.sh mechanism-probe --seeds 1,2 --jobs 2
#   STUDY_DIR=/elsewhere experiments/resume.sh random-200k --algos diff-iql --datasets hopper-random --seeds 0 --jobs 2
set -euo pipefail
STUDY_COMMIT=2ebbafc # the commit of every run in RESULTS.md §5; change it only with a new study
spec=${1:?usage: experiments/resume.sh <spec> [adept sweep flags…]}
shift
root=$(pwd)
[ -f "experiments/$spec.json" ] || { echo "resume: no spec experiments/$spec.json" >&2; exit 1; }
study_dir=${STUDY_DIR:-$root/../study}
cache=${ADEPT_CACHE:-$root/.cache/adept}
export ADEPT_CACHE=$cache

if [ ! -d "$study_dir" ]; then
  git worktree prune # a worktree folder deleted by hand stays registered until pruned
  git worktree add --detach "$study_dir" "$STUDY_COMMIT"
fi
head=$(git -C "$study_dir" rev-parse HEAD)
[ "$head" = "$(git rev-parse "$STUDY_COMMIT^{commit}")" ] || { echo "resume: $study_dir is at ${head:0:7}, not the study's $STUDY_COMMIT: its runs would be of other code" >&2; exit 1; }
modified=$(git -C "$study_dir" status --porcelain --untracked-files=no -- src native binding.gyp package.json package-lock.json)
[ -z "$modified" ] || { echo "resume: $study_dir has modified code (git status there): its runs would be of other code" >&2; exit 1; }
if [ ! -f "$study_dir/dist/src/cli/main.js" ] || [ ! -f "$study_dir/build/Release/adept_native.node" ]; then
  (cd "$study_dir" && npm ci)
fi
adept() { node "$study_dir/dist/src/cli/main.js" "$@"; }

# The spec's datasets, and its finished runs (results/<study> is the spec's out under results/).
names=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(require("path").basename(s.out), s.datasets.join(" "));' "experiments/$spec.json")
read -r study datasets <<< "$names"
[ -n "$study" ] || { echo "resume: experiments/$spec.json names no out folder" >&2; exit 1; }
for d in $datasets; do
  [ -f "$cache/datasets/$d.hdf5" ] || adept data build "$d" --no-progress
  verdict=$(adept data verify "$d" | tail -n 1)
  echo "$verdict"
  case $verdict in *"matches policies/manifest.json"*) ;; *) echo "resume: $d is not the published build" >&2; exit 1 ;; esac
done
# Each finished run of results/<study> whose folder the worktree lacks (a folder there is a run
# going on, or one that ended after results/ was last collected: it is newer, and kept).
mkdir -p "$study_dir/runs/$study"
if [ -d "results/$study" ]; then
  while IFS= read -r summary; do
    run=$(dirname "${summary#"results/$study/"}")
    [ -e "$study_dir/runs/$study/$run" ] && continue
    mkdir -p "$study_dir/runs/$study/$run"
    cp "results/$study/$run/"* "$study_dir/runs/$study/$run/"
  done < <(find "results/$study" -name summary.json | sort)
fi

cd "$study_dir"
# main's spec, not the worktree's copy: a spec may gain a column (a variant) after the commit.
ADEPT_THREADS=1 nohup nice -n 5 node dist/src/cli/main.js sweep "$root/experiments/$spec.json" "$@" >> "runs/$study.log" 2>&1 &
pid=$!
# A sweep that refuses (another sweep on this study, a bad flag) or has nothing left ends within
# seconds; one still going after 15 s is running its runs.
for _ in $(seq 15); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if ! kill -0 "$pid" 2>/dev/null; then
  status=0
  wait "$pid" || status=$?
  tail -n 2 "runs/$study.log" >&2
  exit "$status"
fi
echo "resume: sweep of $spec running (pid $pid) in $study_dir at $STUDY_COMMIT; log runs/$study.log"
