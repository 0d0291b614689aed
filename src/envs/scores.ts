/**
 * D4RL reference scores for the locomotion tasks (D4RL's `infos.py`): the average
 * episode return of a uniformly random policy and of D4RL's expert (SAC) policy.
 * normalized score = 100 · (return − random) / (expert − random).
 */
export const D4RL_REFERENCE_SCORES = {
  halfcheetah: { random: -280.178953, expert: 12135.0 },
  hopper: { random: -20.272305, expert: 3234.3 },
  walker2d: { random: 1.629008, expert: 4592.3 },
} as const;

/** The locomotion tasks with D4RL reference scores. */
export type LocomotionTask = keyof typeof D4RL_REFERENCE_SCORES;

/** True when `name` is one of the D4RL locomotion tasks. */
export function isLocomotionTask(name: string): name is LocomotionTask {
  return Object.hasOwn(D4RL_REFERENCE_SCORES, name);
}

/** D4RL normalized score of an undiscounted episode return on `task`. */
export function normalizedScore(task: LocomotionTask, episodeReturn: number): number {
  const { random, expert } = D4RL_REFERENCE_SCORES[task];
  return (100 * (episodeReturn - random)) / (expert - random);
}
