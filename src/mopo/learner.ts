/**
 * MOPO (Yu et al. 2020) as a learner for the shared training loop — the model-based
 * baseline of the ADEPT paper's Table 1:
 *
 *   train a Gaussian ensemble of 7 on D; keep the 5 elites by held-out MSE
 *   every `iterationSteps` agent updates:
 *     roll the current policy out for h model steps from `rolloutCount` dataset states,
 *     each step from one elite, with the penalized reward r̃ = r̂ − λ·max_e ‖σ_e(s, a)‖₂
 *   every agent update: SAC on a batch of 5 % real and 95 % model transitions
 *
 * Rollouts end by the task's termination rule on s′ (MOPO's static termination functions);
 * for data of an unknown task they end by the ensemble's terminal model.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { rolloutInModel } from "../adept/rollouts.js";
import type { Agent, Metrics } from "../agents/agent.js";
import { makeAgent } from "../agents/registry.js";
import { SAC_CONFIG } from "../agents/sac.js";
import {
  allocateBatch,
  loadReplayBuffer,
  MixedSampler,
  ReplayBuffer,
  type Sampler,
  saveReplayBuffer,
  type TransitionBatch,
} from "../data/replay.js";
import { splitByEpisodes } from "../diffusion/batches.js";
import { GaussianEnsembleWorldModel } from "../diffusion/ensemble.js";
import { terminationRuleOf } from "../envs/registry.js";
import type { TerminationRule } from "../envs/task.js";
import type { Learner } from "../learner/learner.js";
import type { OfflineData } from "../learner/offline-data.js";
import { type ConfigOf, type ConfigSchema, resolveConfig } from "../util/config.js";
import { UserError } from "../util/errors.js";
import { createProgress } from "../util/progress.js";
import { type Rng, type RngState, runSeed, runStream } from "../util/rng.js";
import { MOPO_CONFIG, mopoTaskSettings } from "./config.js";

type MopoConfig = ConfigOf<typeof MOPO_CONFIG>;

/** `--algo mopo`'s schema: SAC's fields and MOPO's. */
export const MOPO_SCHEMA: ConfigSchema = { ...SAC_CONFIG, ...MOPO_CONFIG };

/** What `create` needs beyond the data and the config. */
export interface MopoOptions {
  /** The dataset as the user named it (id or file), for MOPO's per-dataset λ and h. */
  dataset: string;
  progress?: boolean;
  /** Nothing is trained: `loadExtra` restores the ensemble and buffers. */
  resuming?: boolean;
  /** A trained ensemble to start from instead of training one (already checked against the data). */
  worldModel?: GaussianEnsembleWorldModel;
}

export class MopoLearner implements Learner {
  readonly algo = "mopo";
  private readonly modelBuffer: ReplayBuffer;
  private readonly sampler: Sampler;
  private readonly batch: TransitionBatch;
  private lastIteration: Metrics = {};

  private constructor(
    readonly agent: Agent,
    public worldModel: GaussianEnsembleWorldModel,
    private readonly data: OfflineData,
    private readonly c: MopoConfig,
    /** λ and h after MOPO's per-dataset defaults. */
    readonly settings: { penalty: number; rolloutLength: number; from: string },
    private readonly termination: { mode: "task" | "sample"; rule: TerminationRule | null },
    private readonly startRows: Int32Array,
    private readonly rng: Rng, // rollout starts, model sampling, policy samples in rollouts
    private readonly samplerRng: Rng,
    batchSize: number,
  ) {
    const { dataset, buffer } = data;
    const capacity = Math.max(1, c.rolloutCount * settings.rolloutLength * c.modelRetainIterations);
    this.modelBuffer = new ReplayBuffer({ observationDim: dataset.observationDim, actionDim: dataset.actionDim, capacity });
    this.sampler = new MixedSampler(buffer, this.modelBuffer, c.realRatio);
    this.batch = allocateBatch(buffer, batchSize);
  }

  /** The agent and the trained ensemble with its elites (or, resuming, untrained parts that `loadExtra` fills). */
  static create(data: OfflineData, config: Record<string, unknown>, seed: number, batchSize: number, options: MopoOptions): MopoLearner {
    const pick = (schema: ConfigSchema) => Object.fromEntries(Object.entries(config).filter(([k]) => k in schema));
    const c = resolveConfig(MOPO_CONFIG, pick(MOPO_CONFIG), "mopo");
    const settings = mopoTaskSettings(c, options.dataset); // a dataset without MOPO settings fails before any training
    if (!(Number.isInteger(c.elites) && c.elites >= 1 && c.elites <= c.members))
      throw new UserError(`mopo: elites must be an integer in [1, members = ${c.members}], got ${c.elites}`);
    const { dataset } = data;
    const agent = makeAgent("sac", dataset.observationDim, dataset.actionDim, pick(SAC_CONFIG), runSeed(seed, "agent"));
    // The task's own termination rule where one is known (built-in or registered), else f_ψ's sampled terminals.
    const known = dataset.task ? terminationRuleOf(dataset.task) : undefined;
    const termination = known ? { mode: "task" as const, rule: known.rule } : { mode: "sample" as const, rule: null };
    let model = options.worldModel;
    const split = model?.provenance
      ? splitByEpisodes(dataset, model.provenance.heldOutFraction, model.provenance.splitSeed)
      : splitByEpisodes(dataset, c.heldOutFraction, seed);
    if (!model) {
      model = GaussianEnsembleWorldModel.fromDataset(
        dataset,
        { members: c.members, elites: c.elites, width: c.modelWidth, depth: c.modelDepth },
        runSeed(seed, "worldModel"),
        split.train,
      );
      const steps = options.resuming ? 0 : c.modelSteps;
      const bar = createProgress("pretrain ensemble (mopo)", Math.max(1, steps), { enabled: options.progress !== false && steps > 0 });
      model.fit(dataset, steps, { rows: split.train, onStep: (t) => (t + 1) % 100 === 0 && bar.update(t + 1) });
      bar.stop();
      if (!options.resuming) model.selectElites(dataset, split.test.length > 0 ? split.test : split.train);
    }
    return new MopoLearner(
      agent,
      model,
      data,
      c,
      settings,
      termination,
      split.train,
      runStream(seed, "loop"),
      runStream(seed, "sampler"),
      batchSize,
    );
  }

  step(): Metrics {
    const updates = this.agent.updates;
    const due = updates % this.c.iterationSteps === 0;
    if (due) this.lastIteration = this.rollout();
    this.sampler.sample(this.samplerRng, this.batch);
    const metrics = this.agent.update(this.batch);
    return due ? { ...metrics, ...this.lastIteration } : metrics;
  }

  /** One batch of penalized model rollouts into the model buffer; returns its diagnostics. */
  private rollout(): Metrics {
    const t0 = performance.now();
    const r = rolloutInModel({
      worldModel: this.worldModel,
      agent: this.agent,
      dataset: this.data.dataset,
      startRows: this.startRows,
      count: this.c.rolloutCount,
      horizon: this.settings.rolloutLength,
      normalizer: this.data.normalizer,
      rewardScale: this.data.stats.rewardScale,
      buffer: this.modelBuffer,
      rng: this.rng,
      terminals: this.termination.mode,
      terminationRule: this.termination.rule,
      deterministic: this.c.rolloutDeterministic,
      rewardPenalty: this.settings.penalty,
    });
    return {
      "model/rollout_length": r.meanLength,
      "model/reward_mean": r.meanReward,
      "model/uncertainty_mean": r.meanUncertainty,
      "model/penalty_mean": r.meanPenalty,
      "model/terminal_fraction": r.terminalFraction,
      "model/buffer_size": this.modelBuffer.size,
      "time/rollout_ms": performance.now() - t0,
    };
  }

  samplerState(): RngState {
    return this.samplerRng.getState();
  }

  restoreSampler(state: RngState): void {
    this.samplerRng.setState(state);
  }

  async saveExtra(prefix: string): Promise<void> {
    this.worldModel.save(`${prefix}-ensemble.safetensors`);
    await saveReplayBuffer(`${prefix}-model-buffer.bin`, this.modelBuffer);
    writeFileSync(`${prefix}-mopo.json`, JSON.stringify({ rng: this.rng.getState(), lastIteration: this.lastIteration }));
  }

  async loadExtra(prefix: string): Promise<void> {
    this.worldModel = GaussianEnsembleWorldModel.load(`${prefix}-ensemble.safetensors`);
    this.modelBuffer.restore((await loadReplayBuffer(`${prefix}-model-buffer.bin`)).state());
    const saved = JSON.parse(readFileSync(`${prefix}-mopo.json`, "utf8")) as { rng: RngState; lastIteration: Metrics };
    this.rng.setState(saved.rng);
    this.lastIteration = saved.lastIteration;
  }
}
