#!/bin/bash
# The cost per 1000 steps of each algorithm of the random grid, as CPU time (user + sys) of
# short `adept` runs: on a shared machine wall time says more about the other jobs than about
# adept. Usage (repository root, after `npm run build` and `adept data build <task>-random`):
#   experiments/measure-cost.sh [datasets…]        default: hopper-random halfcheetah-random
# Each line: name, CPU seconds, wall seconds, the 1-minute load average when it started.
# Per 1000 steps = (CPU − CPU of the 1-step run, i.e. start-up and data loading) / thousands of steps.
set -u
A="node dist/src/cli/main.js"
M=runs/measure-cost
rm -rf $M && mkdir -p $M
TIMEFORMAT="%U %S %R"
t() {
  local name=$1 load; shift
  load=$(cut -d' ' -f1 /proc/loadavg)
  local times; times=$( { time "$@" > $M/$name.out 2>&1; } 2>&1 )
  set -- $times
  echo "$name cpu $(echo "$1 + $2" | bc) wall $3 load $load"
}
for d in ${@:-hopper-random halfcheetah-random}; do
  t start-$d $A train --algo iql --dataset $d --steps 1 --eval-episodes 0 --out $M/start-$d --no-progress
  t wm-1000-$d $A wm train --dataset $d --steps 1000 --out $M/wm-$d --log-every 0
  t ensemble-300-$d $A wm train --dataset $d --steps 1000 --resume --baseline --ensemble-steps 300 --out $M/wm-$d --log-every 0
  for algo in iql sac; do t $algo-2000-$d $A train --algo $algo --dataset $d --steps 2000 --eval-every 0 --eval-episodes 0 --out $M/$algo-$d --no-progress; done
  for algo in adept-iql adept-sac diff-iql; do
    t $algo-2000-$d $A train --algo $algo --dataset $d --steps 2000 --eval-every 0 --eval-episodes 0 --gap-rollouts 0 --world-model $M/wm-$d --out $M/$algo-$d --no-progress
  done
  t mopo-2000-$d $A train --algo mopo --dataset $d --steps 2000 --eval-every 0 --eval-episodes 0 --world-model $M/wm-$d --out $M/mopo-$d --no-progress
  t eval10-$d $A train --algo iql --dataset $d --steps 1 --eval-every 0 --eval-episodes 10 --out $M/eval-$d --no-progress
done
