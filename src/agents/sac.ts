/**
 * Soft Actor-Critic (Haarnoja et al., 2018) with twin critics and a learned temperature:
 * the paper's offline "SAC" baseline (trained on a fixed dataset) and the learner of online
 * data collection (src/collect/online-sac.ts).
 *
 *   L_Q(θ) = E[ (r + γ(1 − d)(min Q̄(s′, a′) − α log π(a′|s′)) − Q_θᵢ(s, a))² ],  a′ ~ π(·|s′)
 *   L_π(φ) = E[ α log π(ã|s) − min Q(s, ã) ],                                   ã ~ π(·|s) (reparameterized)
 *   L_α    = −E[ log α · (log π(ã|s) + H̄) ],                                    H̄ = target entropy (−|A|)
 */
import type { TransitionBatch } from "../data/replay.js";
import { frozen } from "../nn/freeze.js";
import { Module, parameter } from "../nn/module.js";
import { Adam, polyakUpdate } from "../nn/optim.js";
import type { StateSource } from "../nn/state-source.js";
import { add, addScalar, mean, mul, neg, scale, square, sub } from "../tensor/ops.js";
import { backward, detach, noGrad, scope, type Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type Agent, AgentBase, type AgentState, batchTensors, collectTensors, type Metrics, restoreTensors } from "./agent.js";
import { hiddenOf, TanhGaussianActor, TwinQ } from "./networks.js";

export const SAC_CONFIG = defineConfig({
  actorLr: { default: 3e-4, doc: "learning rate of π (paper: 3e-4)" },
  criticLr: { default: 3e-4, doc: "learning rate of the critics (paper: 3e-4)" },
  alphaLr: { default: 3e-4, doc: "learning rate of log α (Haarnoja et al.)" },
  discount: { default: 0.99, doc: "γ, discount factor (paper)" },
  tau: { default: 0.005, doc: "Polyak rate of the target critics (paper: soft update 0.005)" },
  initAlpha: { default: 1.0, doc: "initial temperature α (Haarnoja et al.)" },
  targetEntropyPerDim: { default: -1, doc: "H̄ / |A|: the target entropy per action dimension (Haarnoja et al.: −1, i.e. H̄ = −|A|)" },
  autoAlpha: { default: true, doc: "learn α toward the target entropy; false keeps α = initAlpha" },
  hiddenWidth: { default: 256, doc: "width of every hidden layer (paper: 256)" },
  hiddenDepth: { default: 2, doc: "hidden layers per network" },
});
export type SACConfig = ConfigOf<typeof SAC_CONFIG>;

/** log α as a one-parameter module, so it saves and restores like the networks. */
class LogAlpha extends Module {
  readonly value = parameter(1, 1);
  namedParameters(): [string, Tensor][] {
    return [["value", this.value]];
  }
}

export class SAC extends AgentBase implements Agent {
  readonly algo: string = "sac";
  readonly config: SACConfig;
  readonly critic: TwinQ;
  readonly targetCritic: TwinQ;
  readonly actor: TanhGaussianActor;
  readonly logAlpha = new LogAlpha();
  private readonly criticOpt: Adam;
  private readonly actorOpt: Adam;
  private readonly alphaOpt: Adam;
  private readonly targetEntropy: number;

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    config: Partial<SACConfig> = {},
    seed = 0,
  ) {
    super(new Rng(seed));
    this.config = resolveConfig(SAC_CONFIG, config, "sac");
    const c = this.config;
    const hidden = hiddenOf(c.hiddenWidth, c.hiddenDepth);
    this.critic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic.copyFrom(this.critic);
    this.actor = new TanhGaussianActor(observationDim, actionDim, hidden, this.rng);
    this.logAlpha.value.data[0] = Math.log(c.initAlpha);
    this.criticOpt = new Adam(this.critic.parameters(), { lr: c.criticLr });
    this.actorOpt = new Adam(this.actor.parameters(), { lr: c.actorLr });
    this.alphaOpt = new Adam(this.logAlpha.parameters(), { lr: c.alphaLr });
    this.targetEntropy = c.targetEntropyPerDim * actionDim;
  }

  /** The current temperature α. */
  get alpha(): number {
    return Math.exp(this.logAlpha.value.data[0]!);
  }

  update(batch: TransitionBatch): Metrics {
    const c = this.config;
    const alpha = this.alpha;
    const metrics = scope(() => {
      const { observations: s, actions: a, rewards: r, nextObservations: s2, notDone } = batchTensors(batch);

      // 1. Critics: soft TD regression.
      const target = noGrad(() => {
        const next = this.actor.distribution(s2).rsample(this.rng);
        const softQ = sub(this.targetCritic.min(s2, next.action), scale(next.logProb, alpha)); // [B,1]
        return add(r, scale(mul(notDone, softQ), c.discount));
      });
      const [q1, q2] = this.critic.both(s, a);
      const criticLoss = add(mean(square(sub(q1, target))), mean(square(sub(q2, target))));
      this.criticOpt.zeroGrad();
      backward(criticLoss);
      this.criticOpt.step();

      // 2. Actor: maximize min Q − α log π through the reparameterized action (critics frozen).
      const { action, logProb } = this.actor.distribution(s).rsample(this.rng);
      const actorLoss = frozen([this.critic], () => mean(sub(scale(logProb, alpha), this.critic.min(s, action))));
      this.actorOpt.zeroGrad();
      backward(actorLoss);
      this.actorOpt.step();

      // 3. Temperature: move the policy entropy toward H̄.
      let alphaLoss = 0;
      if (c.autoAlpha) {
        const loss = neg(mean(mul(this.logAlpha.value, addScalar(detach(logProb), this.targetEntropy))));
        this.alphaOpt.zeroGrad();
        backward(loss);
        this.alphaOpt.step();
        alphaLoss = loss.item();
      }
      polyakUpdate(this.targetCritic, this.critic, c.tau);

      return {
        "loss/q": criticLoss.item(),
        "loss/actor": actorLoss.item(),
        "loss/alpha": alphaLoss,
        "value/alpha": alpha,
        "value/q_mean": mean(q1).item(),
        "value/entropy": -mean(logProb).item(),
      };
    });
    this.updates++;
    return metrics;
  }

  act(observations: Float32Array, n: number, deterministic = true): Float32Array {
    return this.actWith(this.actor, observations, n, deterministic);
  }

  logProb(observations: Float32Array, actions: Float32Array, n: number): Float32Array {
    return this.logProbWith(this.actor, observations, actions, n, "sac: no log-probabilities");
  }

  protected parts() {
    return {
      modules: { critic: this.critic, targetCritic: this.targetCritic, actor: this.actor, logAlpha: this.logAlpha } as Record<
        string,
        Module
      >,
      optimizers: { critic: this.criticOpt, actor: this.actorOpt, alpha: this.alphaOpt },
    };
  }

  state(): AgentState {
    const { modules, optimizers } = this.parts();
    return { tensors: collectTensors(modules, optimizers), meta: this.baseMeta() };
  }

  loadState(state: AgentState, source: StateSource = "sac state"): void {
    const { modules, optimizers } = this.parts();
    restoreTensors(state.tensors, modules, optimizers, source);
    this.loadBaseMeta(state.meta);
  }
}
