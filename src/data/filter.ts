/**
 * Keeping the best episodes of a dataset: CORL's "BC-x%" trains behaviour cloning on the
 * top x % of trajectories by return (any_percent_bc.py, `frac`).
 */
import { type Dataset, episodeRanges, episodeReturns } from "./dataset.js";
import { type Column, gatherRowsOf } from "./rows.js";

/** The dataset restricted to its best `fraction` of episodes by return (at least one), rows in their original order. */
export function bestEpisodes(dataset: Dataset, fraction: number): Dataset {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`bestEpisodes: fraction must be in (0, 1], got ${fraction}`);
  if (fraction === 1) return dataset;
  const episodes = episodeRanges(dataset);
  const returns = episodeReturns(dataset, episodes);
  const order = Array.from(returns.keys()).sort((a, b) => returns[b]! - returns[a]!);
  const keep = new Set(order.slice(0, Math.max(1, Math.round(fraction * order.length))));
  const rows: number[] = [];
  for (let e = 0; e < returns.length; e++) if (keep.has(e)) for (let i = episodes.starts[e]!; i < episodes.ends[e]!; i++) rows.push(i);
  const pick = <T extends Column>(column: T | undefined, width: number): T | undefined =>
    column ? gatherRowsOf(column, width, rows) : undefined;
  const S = dataset.observationDim,
    A = dataset.actionDim;
  return {
    ...dataset,
    size: rows.length,
    observations: pick(dataset.observations, S)!,
    actions: pick(dataset.actions, A)!,
    rewards: pick(dataset.rewards, 1)!,
    nextObservations: pick(dataset.nextObservations, S)!,
    terminals: pick(dataset.terminals, 1)!,
    timeouts: pick(dataset.timeouts, 1)!,
    actionLogProbs: pick(dataset.actionLogProbs, 1),
    qpos: pick(dataset.qpos, dataset.qposDim ?? 0),
    qvel: pick(dataset.qvel, dataset.qvelDim ?? 0),
    nextObservationMissing: pick(dataset.nextObservationMissing, 1),
  };
}
