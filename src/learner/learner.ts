/**
 * What the training loop drives: a learner does one agent update per `step()` and whatever
 * its method does around it (ADEPT refreshes its world model and model buffer between agent
 * updates). The plain learner samples the real data and updates the agent.
 */
import type { Agent, Metrics } from "../agents/agent.js";
import { allocateBatch, type ReplayBuffer, type TransitionBatch } from "../data/replay.js";
import type { Rng, RngState } from "../util/rng.js";

export interface Learner {
  readonly agent: Agent;
  /** One agent update, plus the method's own work due at this step. */
  step(): Metrics;
  /** Diagnostics computed at each evaluation (e.g. the return-gap terms). */
  diagnostics?(): Promise<Metrics>;
  /** Writes state beyond the agent and the sampler RNG (world model, model buffer…) next to `prefix`. */
  saveExtra?(prefix: string): Promise<void>;
  /** Restores what {@link saveExtra} wrote. */
  loadExtra?(prefix: string): Promise<void>;
  /** The RNG state of the batch sampler, saved in every checkpoint. */
  samplerState(): RngState;
  restoreSampler(state: RngState): void;
}

/** Offline RL as usual: uniform batches of the real data. */
export class PlainLearner implements Learner {
  private readonly batch: TransitionBatch;

  constructor(
    readonly agent: Agent,
    private readonly buffer: ReplayBuffer,
    private readonly rng: Rng,
    batchSize: number,
  ) {
    this.batch = allocateBatch(buffer, batchSize);
  }

  step(): Metrics {
    this.buffer.sample(this.rng, this.batch);
    return this.agent.update(this.batch);
  }

  samplerState(): RngState {
    return this.rng.getState();
  }

  restoreSampler(state: RngState): void {
    this.rng.setState(state);
  }
}
