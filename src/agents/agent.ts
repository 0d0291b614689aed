/**
 * The agent contract shared by every algorithm, and the helpers that keep each agent's
 * file about its losses only: wrapping a sampled batch as tensors, acting on a batch
 * without gradients, and collecting networks and optimizers into one saveable state.
 *
 * Agents work in the space they are trained in: observations already z-scored and rewards
 * already scaled by the trainer (see src/agents/policy.ts for acting on raw observations).
 */
import type { TransitionBatch } from "../data/replay.js";
import { type DiagGaussian, TanhGaussian } from "../distributions/gaussian.js";
import type { Module } from "../nn/module.js";
import type { Adam } from "../nn/optim.js";
import { type StateSource, statePart } from "../nn/state-source.js";
import { clamp } from "../tensor/ops.js";
import { noGrad, scope, Tensor } from "../tensor/tensor.js";
import type { Rng, RngState } from "../util/rng.js";
import { DeterministicActor } from "./networks.js";

/** An actor with a distribution over actions (Gaussian, tanh-Gaussian). */
export interface StochasticActor {
  distribution(s: Tensor): DiagGaussian | TanhGaussian;
}

/** The actors agents act with. */
export type Actor = StochasticActor | DeterministicActor;

/** Named, finite scalars from one update, with namespaced keys ("loss/q", "value/alpha"). */
export type Metrics = Record<string, number>;

/** Everything an agent needs to resume exactly: tensors (networks, optimizer moments) and JSON (counters, RNG). */
export interface AgentState {
  tensors: Record<string, Tensor>;
  meta: { updates: number; rng: RngState; [key: string]: unknown };
}

export interface Agent {
  /** The algorithm's registry name ("iql", "sac", …). */
  readonly algo: string;
  /** The resolved configuration (JSON-safe). */
  readonly config: object;
  readonly observationDim: number;
  readonly actionDim: number;
  /** Gradient updates done so far. */
  readonly updates: number;
  /** One gradient update on a batch; returns its metrics. */
  update(batch: TransitionBatch): Metrics;
  /**
   * Actions for n observations ([n, S] row-major) → [n, A] in [−1, 1]. Deterministic returns
   * the policy's mode (evaluation); otherwise a sample. The result is a buffer the agent reuses.
   */
  act(observations: Float32Array, n: number, deterministic?: boolean): Float32Array;
  /** log π(a|s) for n pairs → [n] (for importance weights). Deterministic policies throw. */
  logProb(observations: Float32Array, actions: Float32Array, n: number): Float32Array;
  /** The full training state. */
  state(): AgentState;
  /**
   * Restores a state from {@link state}. `source` says where it came from: `{ file }` when read
   * from a file (a tensor that does not fit is that file's one-line error), else a label.
   */
  loadState(state: AgentState, source?: StateSource): void;
}

/** A sampled batch as tensors sharing the batch's memory: s [B,S], a [B,A], r [B,1], s′ [B,S], done [B,1]. */
export interface BatchTensors {
  observations: Tensor;
  actions: Tensor;
  rewards: Tensor;
  nextObservations: Tensor;
  /** 1 − terminal: the bootstrap mask. */
  notDone: Tensor;
}

/** Wraps a batch as tensors (no copy, except the [B,1] bootstrap mask). Call inside a scope. */
export function batchTensors(batch: TransitionBatch): BatchTensors {
  const B = batch.size;
  const notDone = Tensor.empty(B, 1);
  for (let i = 0; i < B; i++) notDone.data[i] = 1 - batch.terminals[i]!;
  return {
    observations: new Tensor(B, batch.observationDim, batch.observations),
    actions: new Tensor(B, batch.actionDim, batch.actions),
    rewards: new Tensor(B, 1, batch.rewards),
    nextObservations: new Tensor(B, batch.observationDim, batch.nextObservations),
    notDone,
  };
}

/**
 * Runs a no-grad batch computation and copies its [n, width] result into `out` (grown as
 * needed), so that acting allocates nothing per call once warm.
 */
export class BatchOutput {
  private buffer = new Float32Array(0);

  run(n: number, width: number, compute: () => Tensor): Float32Array {
    if (this.buffer.length < n * width) this.buffer = new Float32Array(n * width);
    const out = this.buffer.subarray(0, n * width);
    scope(() => noGrad(() => out.set(compute().data)));
    return out;
  }
}

/** Collects modules' parameters and optimizers' moments under prefixes ("q1.layers.0.weight", "opt.q.m.0"). */
export function collectTensors(modules: Record<string, Module>, optimizers: Record<string, Adam>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [prefix, m] of Object.entries(modules)) for (const [name, t] of m.namedParameters()) out[`${prefix}.${name}`] = t;
  for (const [prefix, o] of Object.entries(optimizers))
    for (const [name, t] of Object.entries(o.stateDict())) out[`opt.${prefix}.${name}`] = t;
  return out;
}

/** Restores what {@link collectTensors} collected. */
export function restoreTensors(
  tensors: Record<string, Tensor>,
  modules: Record<string, Module>,
  optimizers: Record<string, Adam>,
  source: StateSource,
): void {
  const pick = (prefix: string): Record<string, Tensor> => {
    const out: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = t;
    return out;
  };
  for (const [prefix, m] of Object.entries(modules)) m.loadStateDict(pick(prefix), statePart(source, prefix));
  for (const [prefix, o] of Object.entries(optimizers)) o.loadStateDict(pick(`opt.${prefix}`), statePart(source, `optimizer ${prefix}`));
}

/** Base for agents: counters, RNG, reusable output buffers, and acting with any of the actors. */
export abstract class AgentBase {
  updates = 0;
  abstract readonly observationDim: number;
  abstract readonly actionDim: number;
  protected readonly actions = new BatchOutput();
  protected readonly logProbs = new BatchOutput();

  constructor(protected readonly rng: Rng) {}

  /** Actions of `actor` for n observations: a deterministic actor's output, else the mode or a sample, in [−1, 1]. */
  protected actWith(actor: Actor, observations: Float32Array, n: number, deterministic: boolean): Float32Array {
    return this.actions.run(n, this.actionDim, () => {
      const s = new Tensor(n, this.observationDim, observations.subarray(0, n * this.observationDim)); // [n, S]
      if (actor instanceof DeterministicActor) return actor.forward(s);
      const dist = actor.distribution(s);
      if (deterministic) return dist.mode();
      return dist instanceof TanhGaussian ? dist.rsample(this.rng).action : clamp(dist.rsample(this.rng), -1, 1);
    });
  }

  /** log π(a|s) of `actor` for n pairs; a deterministic actor has none (`what` names the reason). */
  protected logProbWith(actor: Actor, observations: Float32Array, actions: Float32Array, n: number, what: string): Float32Array {
    if (actor instanceof DeterministicActor) throw new Error(what);
    return this.logProbs.run(n, 1, () =>
      actor
        .distribution(new Tensor(n, this.observationDim, observations.subarray(0, n * this.observationDim)))
        .logProb(new Tensor(n, this.actionDim, actions.subarray(0, n * this.actionDim))),
    );
  }

  protected baseMeta(): AgentState["meta"] {
    return { updates: this.updates, rng: this.rng.getState() };
  }

  protected loadBaseMeta(meta: AgentState["meta"]): void {
    this.updates = meta.updates;
    this.rng.setState(meta.rng);
  }
}
