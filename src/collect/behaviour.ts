/**
 * Behaviour policies: the actor of an online SAC agent saved on its own (a few hundred KB),
 * so that the policies that produced our datasets can be committed under `policies/` and
 * anyone can rebuild the same data with one command.
 */
import { existsSync, readFileSync } from "node:fs";
import { hiddenOf, TanhGaussianActor } from "../agents/networks.js";
import type { SAC } from "../agents/sac.js";
import { loadTensors, saveTensors } from "../nn/serialize.js";
import { clamp } from "../tensor/ops.js";
import { noGrad, scope, Tensor } from "../tensor/tensor.js";
import { FileError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { CollectPolicy } from "./collect.js";
import { deterministic } from "./deterministic.js";

/** What a behaviour policy file records about itself. */
export interface BehaviourInfo {
  task: string;
  /** Environment steps of online SAC when it was saved. */
  steps: number;
  seed: number;
  /** Deterministic evaluation at save time (D4RL normalized), when measured. */
  score?: number;
  /** The command that trained it. */
  command: string;
}

/** Saves the actor of `agent` (raw observations in, tanh-Gaussian actions out). */
export function saveBehaviourPolicy(path: string, agent: SAC, info: BehaviourInfo): void {
  const tensors = Object.fromEntries(agent.actor.namedParameters());
  saveTensors(path, tensors, {
    format: "adept-behaviour-policy",
    observationDim: String(agent.observationDim),
    actionDim: String(agent.actionDim),
    hiddenWidth: String(agent.config.hiddenWidth),
    hiddenDepth: String(agent.config.hiddenDepth),
    info: JSON.stringify(info),
  });
}

/** A loaded behaviour policy. */
export class BehaviourPolicy {
  private constructor(
    readonly actor: TanhGaussianActor,
    readonly info: BehaviourInfo,
    readonly observationDim: number,
    readonly actionDim: number,
  ) {}

  /** Reads a file written by {@link saveBehaviourPolicy}; a missing, foreign or damaged one is a one-line `FileError`. */
  static load(path: string, rng: Rng): BehaviourPolicy {
    const { tensors, metadata } = loadTensors(path);
    if (metadata.format !== "adept-behaviour-policy") throw new FileError(path, "not a behaviour policy file");
    const [S, A, width, depth] = (["observationDim", "actionDim", "hiddenWidth", "hiddenDepth"] as const).map((key) => {
      const n = Number(metadata[key]);
      if (!(Number.isInteger(n) && n >= 1)) throw new FileError(path, `metadata "${key}" is ${JSON.stringify(metadata[key])}, not a size`);
      return n;
    }) as [number, number, number, number];
    const actor = new TanhGaussianActor(S, A, hiddenOf(width, depth), rng);
    actor.loadStateDict(tensors, { file: path });
    let info: BehaviourInfo;
    try {
      info = JSON.parse(metadata.info ?? "{}") as BehaviourInfo;
    } catch {
      throw new FileError(path, `metadata "info" is not JSON`);
    }
    return new BehaviourPolicy(actor, info, S, A);
  }

  /**
   * log π_β(a|s) of `n` raw observations [n, S] and actions [n, A] in [−1, 1], computed as at
   * collection (on the CPU-independent path of ./deterministic.ts).
   */
  logProb(observations: Float32Array, actions: Float32Array, n: number): Float32Array {
    return deterministic(() =>
      scope(() =>
        noGrad(() =>
          this.actor
            .distribution(new Tensor(n, this.observationDim, observations))
            .logProb(new Tensor(n, this.actionDim, actions))
            .data.slice(),
        ),
      ),
    );
  }

  /**
   * Samples actions and records log π_β(a|s) (stochastic), or takes the mode (`mode`; log-prob
   * NaN). The forward runs on the CPU-independent path (./deterministic.ts), so the actions,
   * and with them the whole dataset, are the same on every machine.
   */
  collectPolicy(rng: Rng, mode = false): CollectPolicy {
    const S = this.observationDim;
    return (observations, n, actions, logProbs) =>
      deterministic(() =>
        scope(() =>
          noGrad(() => {
            const dist = this.actor.distribution(new Tensor(n, S, observations.subarray(0, n * S)));
            if (mode) {
              actions.set(dist.mode().data);
              logProbs.fill(Number.NaN, 0, n);
              return;
            }
            const { action, logProb } = dist.rsample(rng);
            actions.set(clamp(action, -1, 1).data);
            logProbs.set(logProb.data);
          }),
        ),
      );
  }
}

/** Reads `policies/manifest.json`-style JSON, or an empty object; a file that is not a JSON object is a `FileError`. */
export function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new FileError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FileError(path, "not a JSON object");
  return value as Record<string, unknown>;
}
