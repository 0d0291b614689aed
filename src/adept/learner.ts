/**
 * ADEPT's closed loop (Algorithm 1), as a learner for the shared training loop:
 *
 *   pretrain the world model and π_β on D
 *   every G agent steps (one iteration):
 *     1. importance-sampled world-model update for the current π_φ      (adept-*; skipped by diff-*)
 *     2. roll π_φ out in the model from dataset states → model buffer     (skipped by synther-iql)
 *   every agent step:
 *     3. one update of the offline learner on a batch mixing real and model transitions
 *
 * synther-iql instead generates one fixed synthetic set before training (SynthER-style).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Agent, Metrics } from "../agents/agent.js";
import { BC } from "../agents/bc.js";
import { makeAgent } from "../agents/registry.js";
import {
  allocateBatch,
  loadReplayBuffer,
  MixedSampler,
  ReplayBuffer,
  RowSampler,
  type Sampler,
  saveReplayBuffer,
  type TransitionBatch,
} from "../data/replay.js";
import { drawRows, gatherRowsInto, gatherRowsOf } from "../data/rows.js";
import { splitByEpisodes } from "../diffusion/batches.js";
import type { WorldModel } from "../diffusion/types.js";
import { DiffusionWorldModel } from "../diffusion/world-model.js";
import { terminationRuleOf } from "../envs/registry.js";
import { isLocomotionTask } from "../envs/scores.js";
import type { TerminationRule } from "../envs/task.js";
import type { Learner } from "../learner/learner.js";
import type { OfflineData } from "../learner/offline-data.js";
import { loadTensors, saveTensors } from "../nn/serialize.js";
import { UserError } from "../util/errors.js";
import { createProgress } from "../util/progress.js";
import { type Rng, type RngState, runSeed, runStream } from "../util/rng.js";
import { type BehaviourDensity, ClonedBehaviour, hasLoggedLogProbs, LoggedBehaviour } from "./behaviour.js";
import { ADEPT_VARIANTS, type AdeptConfig, type AdeptLoopConfig, type AdeptVariant } from "./config.js";
import { modelErrorsUnderPolicy, modelRealGap, policyShift } from "./gap.js";
import { anchorWeights, checkWeighting, importanceWeights } from "./importance.js";
import { rolloutInModel } from "./rollouts.js";

export class AdeptLearner implements Learner {
  private readonly variant: (typeof ADEPT_VARIANTS)[AdeptVariant];
  private readonly c: AdeptLoopConfig;
  private readonly modelBuffer: ReplayBuffer;
  private readonly sampler: Sampler;
  private readonly batch: TransitionBatch;
  private readonly isSampler: RowSampler; // raw units, for the world model
  private readonly isObsNorm: Float32Array;
  private readonly isLogBeta: Float32Array;
  private readonly isWeights: Float32Array;
  private readonly train: Int32Array;
  private readonly test: Int32Array;
  private previousPolicy: Agent | null = null;
  /** How model rollouts end, with `auto` resolved (see {@link rolloutTermination}). */
  private readonly termination: { mode: "sample" | "threshold" | "task"; rule: TerminationRule | null };
  private lastIteration: Metrics = {};

  private constructor(
    readonly algo: AdeptVariant,
    readonly agent: Agent,
    public worldModel: DiffusionWorldModel,
    private behaviour: BehaviourDensity,
    private readonly data: OfflineData,
    c: AdeptLoopConfig,
    termination: AdeptLearner["termination"],
    private readonly rng: Rng, // the loop's own draws (IS batches, rollout starts, model sampling)
    private readonly samplerRng: Rng,
    batchSize: number,
    split: { train: Int32Array; test: Int32Array },
  ) {
    this.variant = ADEPT_VARIANTS[algo];
    this.c = c;
    const { dataset, buffer } = data;
    this.termination = termination;
    this.train = split.train;
    this.test = split.test.length > 0 ? split.test : split.train;
    const capacity = this.variant.synthetic
      ? this.c.syntheticSize || dataset.size
      : Math.max(1, this.c.rolloutCount * this.c.horizon * this.c.modelRetainIterations);
    this.modelBuffer = new ReplayBuffer({ observationDim: dataset.observationDim, actionDim: dataset.actionDim, capacity });
    this.sampler = new MixedSampler(buffer, this.modelBuffer, this.c.realRatio);
    this.batch = allocateBatch(buffer, batchSize);
    const N = this.c.isBatchSize;
    this.isSampler = new RowSampler(dataset, this.train, N);
    this.isObsNorm = new Float32Array(N * dataset.observationDim);
    this.isLogBeta = new Float32Array(N);
    this.isWeights = new Float32Array(N);
  }

  /**
   * Creates the learner: the agent, and the pretrained world model and π_β (Algorithm 1's
   * first line). With `resuming`, nothing is trained: {@link loadExtra} restores them.
   */
  static create(
    algo: AdeptVariant,
    data: OfflineData,
    config: AdeptConfig,
    seed: number,
    batchSize: number,
    options: { progress?: boolean; resuming?: boolean; worldModel?: DiffusionWorldModel } = {},
  ): AdeptLearner {
    const variant = ADEPT_VARIANTS[algo];
    const c = config.adept;
    const { dataset } = data;
    const termination = rolloutTermination(c.rolloutTerminals, dataset.task, algo); // a bad choice fails before any training
    checkWeighting(c);
    if (c.rewardPenalty > 0 && !(Number.isInteger(c.penaltySamples) && c.penaltySamples >= 2))
      throw new UserError(`--penalty-samples must be an integer ≥ 2 with --reward-penalty, got ${c.penaltySamples}`);
    const agent = makeAgent(variant.learner, dataset.observationDim, dataset.actionDim, config.learner, runSeed(seed, "agent"));
    // The split is a hash of (seed, episode), not a stream: a run begun before the named streams resumes on the same split.
    // A pretrained model (--world-model) keeps the held-out episodes it was trained without.
    const from = options.worldModel?.provenance;
    const split = from ? splitByEpisodes(dataset, from.heldOutFraction, from.splitSeed) : splitByEpisodes(dataset, c.heldOutFraction, seed);
    const worldModel =
      options.worldModel ?? DiffusionWorldModel.fromDataset(dataset, config.worldModel, runSeed(seed, "worldModel"), split.train);
    const pretrainSteps = options.resuming || options.worldModel ? 0 : c.wmPretrainSteps;
    const bar = createProgress(`pretrain world model (${algo})`, Math.max(1, pretrainSteps), {
      enabled: options.progress !== false && pretrainSteps > 0,
    });
    worldModel.fit(dataset, pretrainSteps, { rows: split.train, onStep: (t) => (t + 1) % 100 === 0 && bar.update(t + 1) });
    bar.stop();
    const rng = runStream(seed, "loop");
    const useLogged = c.behaviour === "logged" || (c.behaviour === "auto" && hasLoggedLogProbs(dataset));
    if (c.behaviour === "logged" && !hasLoggedLogProbs(dataset))
      throw new Error(`${algo}: behaviour "logged" needs finite infos/action_log_probs in the dataset`);
    const behaviour = useLogged
      ? new LoggedBehaviour(dataset.actionLogProbs!)
      : ClonedBehaviour.fit(data.buffer, options.resuming ? 0 : c.behaviourSteps, runSeed(seed, "behaviour"), rng);
    const learner = new AdeptLearner(
      algo,
      agent,
      worldModel,
      behaviour,
      data,
      c,
      termination,
      rng,
      runStream(seed, "sampler"),
      batchSize,
      split,
    );
    if (variant.synthetic && !options.resuming) learner.generateSynthetic();
    return learner;
  }

  step(): Metrics {
    const updates = this.agent.updates;
    if (updates % this.c.iterationSteps === 0 && !this.variant.synthetic) this.lastIteration = this.iterate();
    this.sampler.sample(this.samplerRng, this.batch);
    const metrics = this.agent.update(this.batch);
    return updates % this.c.iterationSteps === 0 ? { ...metrics, ...this.lastIteration } : metrics;
  }

  /** Steps 1 and 2 of an iteration; returns their diagnostics. */
  private iterate(): Metrics {
    const out: Metrics = {};
    const t0 = performance.now();
    if (this.variant.importanceSampling) {
      let ess = 0,
        loss = 0,
        clipped = 0,
        clippedHigh = 0,
        meanLogRatio = 0,
        maxShare = 0,
        anchoredEss = 0;
      for (let k = 0; k < this.c.wmStepsPerIteration; k++) {
        const stats = this.fillImportanceBatch();
        if (this.c.isAnchor > 0) anchoredEss += anchorWeights(this.isWeights, this.c.isBatchSize, this.c.isAnchor).ess;
        const m = this.worldModel.update(this.isSampler.batch, this.isWeights);
        ess += stats.ess;
        clipped += stats.clippedFraction;
        clippedHigh += stats.clippedHighFraction;
        meanLogRatio += stats.meanLogRatio;
        maxShare += stats.maxShare;
        loss += m["loss/diffusion"] ?? 0;
      }
      const k = Math.max(1, this.c.wmStepsPerIteration);
      // The weights' degeneracy (of π/π_β after clip and temper; before the anchor's mix).
      Object.assign(out, {
        "wm/ess": ess / k,
        "wm/ess_fraction": ess / k / this.c.isBatchSize,
        "wm/clipped_fraction": clipped / k,
        "wm/clipped_high_fraction": clippedHigh / k,
        "wm/mean_log_ratio": meanLogRatio / k,
        "wm/max_share": maxShare / k,
        "wm/is_loss": loss / k,
      });
      if (this.c.isAnchor > 0) out["wm/anchored_ess_fraction"] = anchoredEss / k / this.c.isBatchSize;
    }
    const t1 = performance.now();
    out["time/wm_update_ms"] = t1 - t0;
    if (this.variant.rollouts) {
      const penalized = this.c.rewardPenalty > 0;
      const r = rolloutInModel({
        worldModel: penalized ? withSampleSpread(this.worldModel, this.c.penaltySamples) : this.worldModel,
        rewardPenalty: this.c.rewardPenalty,
        agent: this.agent,
        dataset: this.data.dataset,
        startRows: this.train,
        count: this.c.rolloutCount,
        horizon: this.c.horizon,
        normalizer: this.data.normalizer,
        rewardScale: this.data.stats.rewardScale,
        buffer: this.modelBuffer,
        rng: this.rng,
        terminals: this.termination.mode,
        deterministic: this.c.rolloutDeterministic,
        terminationRule: this.termination.rule,
      });
      Object.assign(out, {
        "model/rollout_length": r.meanLength,
        "model/reward_mean": r.meanReward,
        "model/terminal_fraction": r.terminalFraction,
        "model/buffer_size": this.modelBuffer.size,
      });
      if (penalized) Object.assign(out, { "model/uncertainty_mean": r.meanUncertainty, "model/penalty_mean": r.meanPenalty });
    }
    out["time/rollout_ms"] = performance.now() - t1;
    return out;
  }

  /** Draws N training rows (raw units for the world model) and their self-normalized weights π_φ/π_β. */
  private fillImportanceBatch(): ReturnType<typeof importanceWeights> {
    const N = this.c.isBatchSize;
    const b = this.isSampler.sample(this.rng);
    this.isObsNorm.set(b.observations);
    this.data.normalizer.normalize(this.isObsNorm);
    const logPi = this.agent.logProb(this.isObsNorm, b.actions, N);
    this.behaviour.logProb(this.isSampler.picked, this.isObsNorm, b.actions, N, this.isLogBeta);
    return importanceWeights(logPi, this.isLogBeta, N, this.c.isClip ? this.c.isClipRatio : null, this.isWeights, this.c.isTemperature);
  }

  /** synther-iql: one fixed set of model transitions from dataset (s, a) pairs, generated once. */
  private generateSynthetic(): void {
    const { dataset, normalizer, stats } = this.data;
    const S = dataset.observationDim,
      A = dataset.actionDim;
    const total = this.modelBuffer.capacity,
      chunk = 4096;
    const out = allocateBatch(dataset, chunk);
    const raw = new Float32Array(chunk * S);
    const rows = new Int32Array(chunk);
    for (let done = 0; done < total; done += chunk) {
      const n = Math.min(chunk, total - done);
      drawRows(this.rng, this.train, n, rows);
      gatherRowsInto(dataset.observations, S, rows, raw, n);
      gatherRowsInto(dataset.actions, A, rows, out.actions, n);
      const step = this.worldModel.step(raw, out.actions, n, this.rng);
      out.observations.set(raw.subarray(0, n * S));
      normalizer.normalize(out.observations.subarray(0, n * S));
      out.nextObservations.set(step.nextObservations);
      normalizer.normalize(out.nextObservations.subarray(0, n * S));
      for (let i = 0; i < n; i++) {
        out.rewards[i] = step.rewards[i]! * stats.rewardScale;
        out.terminals[i] = step.terminals[i]!;
      }
      this.modelBuffer.addBatch(out, 0, n);
    }
  }

  /** The return-gap terms of Theorem 4.4 (see gap.ts), at each evaluation. */
  async diagnostics(): Promise<Metrics> {
    const { dataset, normalizer } = this.data;
    const out: Metrics = {};
    if (this.agent instanceof BC && this.agent.config.policy !== "gaussian") return out;
    const e = modelErrorsUnderPolicy({
      worldModel: this.worldModel,
      agent: this.agent,
      behaviour: this.behaviour,
      dataset,
      rows: this.test,
      n: this.c.gapSamples,
      normalizer,
      clip: this.c.isClip ? this.c.isClipRatio : null,
      rng: this.rng,
    });
    Object.assign(out, { "gap/eps_r": e.epsR, "gap/eps_m": e.epsM, "gap/heldout_ess": e.ess });
    // ε_π against the policy of the previous evaluation.
    const S = dataset.observationDim,
      n = Math.min(this.c.gapSamples, this.train.length);
    const states = normalizer.normalize(gatherRowsOf(dataset.observations, S, drawRows(this.rng, this.train, n)));
    if (this.previousPolicy) out["gap/eps_pi"] = policyShift(this.agent, this.previousPolicy, states, n);
    this.previousPolicy = this.snapshotAgent();
    if (dataset.task && isLocomotionTask(dataset.task) && this.c.gapRollouts > 0) {
      const g = await modelRealGap({
        worldModel: this.worldModel,
        agent: this.agent,
        dataset,
        rows: this.test,
        count: this.c.gapRollouts,
        horizon: this.c.horizon,
        normalizer,
        task: dataset.task,
        rng: this.rng,
      });
      Object.assign(out, {
        "gap/model_return": g.modelReturn,
        "gap/real_return": g.realReturn,
        "gap/return_gap": g.modelReturn - g.realReturn,
      });
    }
    return out;
  }

  /** A frozen copy of the current agent (for ε_π). */
  private snapshotAgent(): Agent {
    const state = this.agent.state();
    const copy = makeAgent(
      this.agent.algo,
      this.agent.observationDim,
      this.agent.actionDim,
      this.agent.config as Record<string, unknown>,
      0,
    );
    copy.loadState({
      tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, t.clone()])),
      meta: structuredClone(state.meta),
    });
    return copy;
  }

  samplerState(): RngState {
    return this.samplerRng.getState();
  }

  restoreSampler(state: RngState): void {
    this.samplerRng.setState(state);
  }

  /** Writes the loop's state into a checkpoint unit's directory (see run/checkpoint-unit.ts). */
  async saveExtra(dir: string): Promise<void> {
    this.worldModel.save(join(dir, "world-model.safetensors"));
    await saveReplayBuffer(join(dir, "model-buffer.bin"), this.modelBuffer);
    if (this.behaviour instanceof ClonedBehaviour) {
      const s = this.behaviour.policy.state();
      saveTensors(join(dir, "behaviour.safetensors"), s.tensors, { meta: JSON.stringify(s.meta) });
    }
    // ε_π compares against the policy of the previous evaluation: a resume needs it too.
    if (this.previousPolicy) {
      const s = this.previousPolicy.state();
      saveTensors(join(dir, "previous-policy.safetensors"), s.tensors, { meta: JSON.stringify(s.meta) });
    }
    writeFileSync(join(dir, "adept.json"), JSON.stringify({ rng: this.rng.getState(), lastIteration: this.lastIteration }));
  }

  async loadExtra(dir: string): Promise<void> {
    const wm = DiffusionWorldModel.load(join(dir, "world-model.safetensors"));
    this.worldModel = wm;
    const buffer = await loadReplayBuffer(join(dir, "model-buffer.bin"));
    this.modelBuffer.restore(buffer.state());
    if (this.behaviour instanceof ClonedBehaviour && existsSync(join(dir, "behaviour.safetensors"))) {
      const { tensors, metadata } = loadTensors(join(dir, "behaviour.safetensors"));
      this.behaviour.policy.loadState({ tensors, meta: JSON.parse(metadata.meta ?? "{}") });
    }
    if (existsSync(join(dir, "previous-policy.safetensors"))) {
      const { tensors, metadata } = loadTensors(join(dir, "previous-policy.safetensors"));
      const copy = this.snapshotAgent();
      copy.loadState({ tensors, meta: JSON.parse(metadata.meta ?? "{}") });
      this.previousPolicy = copy;
    }
    const saved = JSON.parse(readFileSync(join(dir, "adept.json"), "utf8")) as { rng: RngState; lastIteration: Metrics };
    this.rng.setState(saved.rng);
    this.lastIteration = saved.lastIteration;
  }
}

/** The diffusion model whose steps also report u(s, a), the spread of K samples (for `rewardPenalty`). */
function withSampleSpread(model: DiffusionWorldModel, samples: number): WorldModel {
  return {
    kind: model.kind,
    observationDim: model.observationDim,
    actionDim: model.actionDim,
    updates: model.updates,
    update: (batch, weights) => model.update(batch, weights),
    save: (path) => model.save(path),
    step: (observations, actions, n, rng) => model.stepWithUncertainty(observations, actions, n, samples, rng),
  };
}

/**
 * Resolves `rolloutTerminals`: `auto` is the task's termination rule on observations when the
 * data comes from a task that has one (the locomotion tasks' are MOPO's termination functions;
 * halfcheetah never terminates; a registered task's is its `terminationRule`), else samples
 * from the terminal model; `task` without a known rule is an error rather than rollouts that never end.
 */
export function rolloutTermination(
  choice: string,
  task: string | null | undefined,
  algo: string,
): { mode: "sample" | "threshold" | "task"; rule: TerminationRule | null } {
  const known = task != null ? terminationRuleOf(task) : undefined;
  const rule = known ? known.rule : null; // halfcheetah: null, never terminal
  if (choice === "auto") return known ? { mode: "task", rule } : { mode: "sample", rule: null };
  if (choice === "task" && !known)
    throw new Error(
      `${algo}: rolloutTerminals "task" needs data from a task with a termination rule on observations (halfcheetah, hopper, walker2d or a registered task's terminationRule; this dataset's task: ${task ?? "unknown"}); use "sample"`,
    );
  return { mode: choice as "sample" | "threshold" | "task", rule };
}
