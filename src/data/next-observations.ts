import type { Dataset } from "./dataset.js";
import { type Column, gatherRowsOf } from "./rows.js";

/** The per-step columns of a dataset before next observations are known. */
export type StepColumns = Omit<Dataset, "nextObservations" | "nextObservationMissing" | "metadata" | "task" | "source">;

/** Step columns completed with next observations. */
export type TransitionColumns = StepColumns & Pick<Dataset, "nextObservations" | "nextObservationMissing">;

/**
 * Derives s' from the next row, never across an episode boundary (docs/data.md, "Episode boundaries and derived next observations": D4RL's
 * `qlearning_dataset` takes the next row even after a terminal, which is the next episode's
 * first state — wrong for a world model).
 *
 * 1. Inside an episode, s'ᵢ = sᵢ₊₁.
 * 2. A terminal last step keeps its row (its reward and terminal flag matter for TD and for
 *    the terminal model); s' is unknown, so it holds a copy of s and `nextObservationMissing` is 1.
 * 3. A non-terminal last step (timeout, or the file's last row) is dropped, as D4RL's
 *    `qlearning_dataset` does, and the step before it gets the timeout flag so the episode
 *    boundary survives.
 *
 * `known` supplies next observations for the rows whose mask is 1 (e.g. JSON Lines input
 * where some lines carry `next_observation`); only the other rows are derived.
 */
export function deriveNextObservations(
  steps: StepColumns,
  known?: { nextObservations: Float32Array; mask: Uint8Array },
): { columns: TransitionColumns; droppedRows: number } {
  const { size, observationDim: S, terminals, timeouts } = steps;
  // 1. Mark which rows are kept.
  const keep = new Uint8Array(size);
  let kept = 0;
  for (let i = 0; i < size; i++) {
    const end = terminals[i] === 1 || timeouts[i] === 1 || i === size - 1;
    keep[i] = !end || terminals[i] === 1 || known?.mask[i] === 1 ? 1 : 0;
    kept += keep[i]!;
  }
  const index = new Int32Array(kept); // [N'] source row of each kept row
  for (let i = 0, k = 0; i < size; i++) if (keep[i]) index[k++] = i;

  // 2. Gather the kept rows of every column.
  const gather = <T extends Column>(src: T, width: number): T => gatherRowsOf(src, width, index);
  const nextObservations = new Float32Array(kept * S); // [N', S]
  const nextObservationMissing = new Uint8Array(kept);
  const newTimeouts = gather(timeouts, 1);
  for (let k = 0; k < kept; k++) {
    const i = index[k]!;
    const end = terminals[i] === 1 || timeouts[i] === 1 || i === size - 1;
    if (known?.mask[i] === 1) {
      nextObservations.set(known.nextObservations.subarray(i * S, (i + 1) * S), k * S);
    } else if (end) {
      // 3. Terminal: s' unknown; placeholder s, flagged.
      nextObservations.set(steps.observations.subarray(i * S, (i + 1) * S), k * S);
      nextObservationMissing[k] = 1;
    } else {
      nextObservations.set(steps.observations.subarray((i + 1) * S, (i + 2) * S), k * S);
    }
    // The next row was a dropped episode end of this episode: this step now ends it (cut).
    if (!end && !keep[i + 1]) newTimeouts[k] = 1;
  }
  const columns: TransitionColumns = {
    size: kept,
    observationDim: S,
    actionDim: steps.actionDim,
    observations: gather(steps.observations, S),
    actions: gather(steps.actions, steps.actionDim),
    rewards: gather(steps.rewards, 1),
    terminals: gather(terminals, 1),
    timeouts: newTimeouts,
    nextObservations,
    nextObservationMissing,
  };
  if (steps.actionLogProbs) columns.actionLogProbs = gather(steps.actionLogProbs, 1);
  if (steps.qpos && steps.qposDim !== undefined) {
    columns.qpos = gather(steps.qpos, steps.qposDim);
    columns.qposDim = steps.qposDim;
  }
  if (steps.qvel && steps.qvelDim !== undefined) {
    columns.qvel = gather(steps.qvel, steps.qvelDim);
    columns.qvelDim = steps.qvelDim;
  }
  return { columns, droppedRows: size - kept };
}
