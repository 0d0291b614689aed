/**
 * The locomotion tasks' termination rules on observations (Gym v3's `is_healthy`, as
 * MBPO/MOPO's "static" termination functions): with `--rollout-terminals task`, model
 * rollouts end where the real robot would have fallen, instead of trusting f_ψ's terminal head.
 * Observations are qpos[1:] ++ clip(qvel), so obs[0] is the torso height and obs[1] its angle.
 */
import type { LocomotionTask } from "../envs/scores.js";

/** Whether the row `i` of `observations` [n, S] is a terminal state of `task`. */
export type TerminationRule = (observations: Float32Array, i: number, S: number) => boolean;

export const TERMINATION_RULES: Record<LocomotionTask, TerminationRule | null> = {
  halfcheetah: null, // never terminates
  hopper: (o, i, S) => {
    const z = o[i * S]!,
      angle = o[i * S + 1]!;
    if (!(z > 0.7 && angle > -0.2 && angle < 0.2)) return true;
    for (let j = 1; j < S; j++) if (!(Math.abs(o[i * S + j]!) < 100)) return true;
    return false;
  },
  walker2d: (o, i, S) => {
    const z = o[i * S]!,
      angle = o[i * S + 1]!;
    return !(z > 0.8 && z < 2 && angle > -1 && angle < 1);
  },
};
