// The three D4RL locomotion tasks as data: Gym "-v3" semantics (what D4RL's "-v2"
// datasets were recorded with), values from Gym's hopper_v3.py, walker2d_v3.py and
// half_cheetah_v3.py. See docs/envs.md, "The tasks".
import type { LocomotionTask } from "./scores.js";

/** How the initial state is perturbed on reset (Gym's `reset_noise_scale` and its distribution). */
export interface ResetNoise {
  /** qpos = qpos0 + U(−scale, scale). */
  qposUniform: number;
  /** qvel = 0 + U(−scale, scale) (`"uniform"`) or scale · N(0, 1) (`"normal"`). */
  qvelScale: number;
  qvelDistribution: "uniform" | "normal";
}

/** Everything that defines one locomotion task on top of its MJCF model. */
export interface LocomotionTaskDef {
  task: LocomotionTask;
  gymId: string;
  /** MJCF file under `src/envs/assets/`. */
  asset: string;
  frameSkip: number;
  obsDim: number;
  actDim: number;
  /** reward = forwardRewardWeight · xVelocity − ctrlCostWeight · Σa² + healthyReward. */
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  /** Paid on every step, including the terminal one (Gym: terminate_when_unhealthy=True). */
  healthyReward: number;
  /** Observed qvel is clipped to ±this (Infinity: not clipped). */
  velocityClip: number;
  resetNoise: ResetNoise;
  /**
   * Gym's `is_healthy` on the state after a step; the episode terminates when it is false.
   * Absent: the task never terminates. NaN states compare false, hence terminate.
   */
  isHealthy?: (qpos: Float64Array, qvel: Float64Array) => boolean;
}

/** Hopper-v3: z > 0.7, |angle| < 0.2, and every |(qpos, qvel)[2:]| < 100. */
function hopperIsHealthy(qpos: Float64Array, qvel: Float64Array): boolean {
  const z = qpos[1] as number;
  const angle = qpos[2] as number;
  if (!(z > 0.7 && angle > -0.2 && angle < 0.2)) return false;
  // state_vector()[2:] = qpos[2:] ++ qvel
  for (let i = 2; i < qpos.length; i++) {
    const v = qpos[i] as number;
    if (!(v > -100 && v < 100)) return false;
  }
  for (let i = 0; i < qvel.length; i++) {
    const v = qvel[i] as number;
    if (!(v > -100 && v < 100)) return false;
  }
  return true;
}

/** Walker2d-v3: 0.8 < z < 2.0 and −1 < angle < 1. */
function walker2dIsHealthy(qpos: Float64Array): boolean {
  const z = qpos[1] as number;
  const angle = qpos[2] as number;
  return z > 0.8 && z < 2.0 && angle > -1 && angle < 1;
}

/** The task table, keyed by D4RL task name. */
export const LOCOMOTION_TASKS: Readonly<Record<LocomotionTask, LocomotionTaskDef>> = {
  halfcheetah: {
    task: "halfcheetah",
    gymId: "HalfCheetah-v3",
    asset: "half_cheetah.xml",
    frameSkip: 5,
    obsDim: 17,
    actDim: 6,
    forwardRewardWeight: 1,
    ctrlCostWeight: 0.1,
    healthyReward: 0,
    velocityClip: Number.POSITIVE_INFINITY,
    resetNoise: { qposUniform: 0.1, qvelScale: 0.1, qvelDistribution: "normal" },
  },
  hopper: {
    task: "hopper",
    gymId: "Hopper-v3",
    asset: "hopper.xml",
    frameSkip: 4,
    obsDim: 11,
    actDim: 3,
    forwardRewardWeight: 1,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    velocityClip: 10,
    resetNoise: { qposUniform: 5e-3, qvelScale: 5e-3, qvelDistribution: "uniform" },
    isHealthy: hopperIsHealthy,
  },
  walker2d: {
    task: "walker2d",
    gymId: "Walker2d-v3",
    asset: "walker2d.xml",
    frameSkip: 4,
    obsDim: 17,
    actDim: 6,
    forwardRewardWeight: 1,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    velocityClip: 10,
    resetNoise: { qposUniform: 5e-3, qvelScale: 5e-3, qvelDistribution: "uniform" },
    isHealthy: walker2dIsHealthy,
  },
};

/** D4RL's time limit for all three tasks. */
export const MAX_EPISODE_STEPS = 1000;
