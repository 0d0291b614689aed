// The environment contract, in the spirit of Gymnasium's `Env`: reset → observation,
// step → (observation, reward, terminated, truncated, info), with typed spaces.
/** A box space: `dim` values, each in [low[i], high[i]] (±Infinity where unbounded). */
export interface BoxSpace {
  readonly dim: number;
  readonly low: Float64Array; // [dim]
  readonly high: Float64Array; // [dim]
}

/** The static description of an environment. */
export interface EnvSpec {
  /** The task's name: `halfcheetah`, `hopper`, `walker2d`, or a registered task's. */
  readonly task: string;
  /** The Gym id whose semantics this reproduces (D4RL "-v2" datasets used Gym "-v3"); "" when none. */
  readonly gymId: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** MuJoCo steps per environment step. */
  readonly frameSkip: number;
  /** Seconds per environment step: frameSkip × model timestep. */
  readonly dt: number;
  /** Time limit: `truncated` is set on this step (D4RL: 1000). */
  readonly maxEpisodeSteps: number;
}

/** Per-step diagnostics (Gymnasium's info dict, camelCased). */
export interface StepInfo {
  /** Torso x after the step (qpos[0]). */
  xPosition: number;
  /** (x after − x before) / dt over the frame-skipped step. */
  xVelocity: number;
  /** forward_reward_weight · xVelocity (the weight is 1 for all three tasks). The reward parts are 0 unless the task's reward fills them. */
  rewardForward: number;
  /** −ctrl_cost_weight · Σ a² (negative or zero). */
  rewardCtrl: number;
  /** The healthy bonus paid this step (1 for hopper and walker2d, 0 for halfcheetah). */
  rewardHealthy: number;
}

/**
 * What `step` returns. The env reuses this object and its `observation` buffer on every
 * call (no per-step allocation): copy what you keep before the next `step` or `reset`.
 */
export interface StepResult {
  observation: Float32Array; // [obsDim], reused
  reward: number;
  /** The MDP ended (unhealthy state); bootstrap with 0. */
  terminated: boolean;
  /** The time limit was reached (a time-out, not a terminal). Can be true with `terminated`. */
  truncated: boolean;
  info: StepInfo;
}

/** The full simulator state: generalized positions and velocities (D4RL `infos/qpos`, `infos/qvel`). */
export interface SimState {
  qpos: ArrayLike<number>; // [nq]
  qvel: ArrayLike<number>; // [nv]
}

/** A single environment. Owns wasm memory: call `close()` when done. */
export interface Env {
  readonly spec: EnvSpec;
  /** Steps since the last reset. */
  readonly elapsedSteps: number;
  /**
   * Starts an episode. With a seed, reseeds the reset-noise generator first (Gymnasium
   * semantics); without, continues its stream. Returns the observation (a reused buffer).
   */
  reset(seed?: number): Float32Array;
  /** Applies `action` (length actDim) for `frameSkip` MuJoCo steps. */
  step(action: ArrayLike<number>): StepResult;
  /** A copy of the simulator state. */
  getState(): { qpos: Float64Array; qvel: Float64Array };
  /** Sets the simulator state (then recomputes derived quantities) and returns its observation. */
  setState(state: SimState): Float32Array;
  /** Writes the current observation into `out` at `offset` (default: the env's own buffer). */
  observe(out?: Float32Array, offset?: number): Float32Array;
  /** Frees the wasm model and data; the env is unusable afterwards. Idempotent. */
  close(): void;
}
