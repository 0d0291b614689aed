// The three D4RL locomotion tasks as instances of the task definition (task.ts): Gym "-v3"
// semantics (what D4RL's "-v2" datasets were recorded with), values from Gym's hopper_v3.py,
// walker2d_v3.py and half_cheetah_v3.py. See docs/envs.md, "The tasks".
import { D4RL_REFERENCE_SCORES, type LocomotionTask } from "./scores.js";
import { MAX_EPISODE_STEPS, type MujocoTask, type ResetNoise, type StepContext, type TerminationRule } from "./task.js";

export { MAX_EPISODE_STEPS, type ResetNoise };

/** The parameters that define one locomotion task on top of its MJCF model. */
export interface LocomotionParams {
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
  /** `isHealthy`'s negation on observations (qpos[1:] ++ clip(qvel)), for model rollouts. */
  terminationRule?: TerminationRule;
}

/** A locomotion task: its parameters, and the task definition they make. */
export type LocomotionTaskDef = LocomotionParams & MujocoTask;

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

// The same rules on observations: obs[0] is the torso height and obs[1] its angle.
const hopperTerminal: TerminationRule = (o, i, S) => {
  const z = o[i * S]!,
    angle = o[i * S + 1]!;
  if (!(z > 0.7 && angle > -0.2 && angle < 0.2)) return true;
  for (let j = 1; j < S; j++) if (!(Math.abs(o[i * S + j]!) < 100)) return true;
  return false;
};
const walker2dTerminal: TerminationRule = (o, i, S) => {
  const z = o[i * S]!,
    angle = o[i * S + 1]!;
  return !(z > 0.8 && z < 2 && angle > -1 && angle < 1);
};

/** The task definition of a locomotion task from its parameters. */
function locomotionTask(p: LocomotionParams): LocomotionTaskDef {
  const clip = p.velocityClip;
  const isHealthy = p.isHealthy;
  return {
    ...p,
    name: p.task,
    mjcf: { asset: p.asset },
    observationDim: p.obsDim,
    actionDim: p.actDim,
    // [qpos[1:] (nq−1) | clip(qvel) (nv)]: x is left out so the policy is translation-invariant.
    observe(qpos, qvel, out, offset) {
      let j = offset;
      for (let i = 1; i < qpos.length; i++) out[j++] = qpos[i] as number;
      for (let i = 0; i < qvel.length; i++) out[j++] = Math.min(Math.max(qvel[i] as number, -clip), clip);
    },
    reward(s: StepContext) {
      let sumSquares = 0;
      for (let i = 0; i < s.action.length; i++) {
        const a = s.action[i] as number;
        sumSquares += a * a;
      }
      const info = s.info;
      info.rewardForward = p.forwardRewardWeight * info.xVelocity;
      info.rewardCtrl = -p.ctrlCostWeight * sumSquares;
      info.rewardHealthy = p.healthyReward;
      return info.rewardForward + info.rewardCtrl + info.rewardHealthy;
    },
    ...(isHealthy ? { terminated: (qpos: Float64Array, qvel: Float64Array) => !isHealthy(qpos, qvel) } : {}),
    maxEpisodeSteps: MAX_EPISODE_STEPS,
    referenceScores: { random: D4RL_REFERENCE_SCORES[p.task].random, expert: D4RL_REFERENCE_SCORES[p.task].expert },
  };
}

/** The task table, keyed by D4RL task name. */
export const LOCOMOTION_TASKS: Readonly<Record<LocomotionTask, LocomotionTaskDef>> = {
  halfcheetah: locomotionTask({
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
  }),
  hopper: locomotionTask({
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
    terminationRule: hopperTerminal,
  }),
  walker2d: locomotionTask({
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
    terminationRule: walker2dTerminal,
  }),
};
