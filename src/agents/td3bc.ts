/**
 * TD3+BC (Fujimoto & Gu, 2021), following CORL's `td3_bc.py`.
 *
 *   L_Q(θ) = E[ (r + γ(1 − d) min Q̄(s′, clip(π̄(s′) + clip(ε, ±c), ±1)) − Q_θᵢ(s, a))² ],  ε ~ N(0, σ²)
 *   L_π(φ) = −λ E[Q₁(s, π(s))] + E‖π(s) − a‖²,   λ = α / E|Q₁(s, π(s))| (no gradient)
 *
 * The actor and the targets are updated every `policyFreq` critic updates.
 */
import type { TransitionBatch } from "../data/replay.js";
import { frozen } from "../nn/freeze.js";
import { Adam, polyakUpdate } from "../nn/optim.js";
import type { StateSource } from "../nn/state-source.js";
import { abs, add, clamp, concatCols, mean, minimum, mul, randomNormal, scale, square, sub } from "../tensor/ops.js";
import { backward, noGrad, scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type Agent, AgentBase, type AgentState, batchTensors, collectTensors, type Metrics, restoreTensors } from "./agent.js";
import { DeterministicActor, hiddenOf, TwinQ } from "./networks.js";

export const TD3BC_CONFIG = defineConfig({
  lr: { default: 3e-4, doc: "learning rate of actor and critics (CORL)" },
  discount: { default: 0.99, doc: "γ (CORL)" },
  tau: { default: 0.005, doc: "Polyak rate of the targets (CORL)" },
  alpha: { default: 2.5, doc: "α, weight of the Q term: λ = α / E|Q| (CORL)" },
  policyNoise: { default: 0.2, doc: "σ of the target policy smoothing noise (CORL)" },
  noiseClip: { default: 0.5, doc: "c, clip of the smoothing noise (CORL)" },
  policyFreq: { default: 2, doc: "critic updates per actor/target update (CORL)" },
  hiddenWidth: { default: 256, doc: "width of every hidden layer (CORL)" },
  hiddenDepth: { default: 2, doc: "hidden layers per network (CORL)" },
});
export type TD3BCConfig = ConfigOf<typeof TD3BC_CONFIG>;

export class TD3BC extends AgentBase implements Agent {
  readonly algo = "td3bc";
  readonly config: TD3BCConfig;
  readonly critic: TwinQ;
  readonly targetCritic: TwinQ;
  readonly actor: DeterministicActor;
  readonly targetActor: DeterministicActor;
  private readonly criticOpt: Adam;
  private readonly actorOpt: Adam;
  private lastActorLoss = Number.NaN;

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    config: Partial<TD3BCConfig> = {},
    seed = 0,
  ) {
    super(new Rng(seed));
    this.config = resolveConfig(TD3BC_CONFIG, config, "td3bc");
    const hidden = hiddenOf(this.config.hiddenWidth, this.config.hiddenDepth);
    this.critic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic.copyFrom(this.critic);
    this.actor = new DeterministicActor(observationDim, actionDim, hidden, this.rng);
    this.targetActor = new DeterministicActor(observationDim, actionDim, hidden, this.rng);
    this.targetActor.copyFrom(this.actor);
    this.criticOpt = new Adam(this.critic.parameters(), { lr: this.config.lr });
    this.actorOpt = new Adam(this.actor.parameters(), { lr: this.config.lr });
  }

  update(batch: TransitionBatch): Metrics {
    const c = this.config;
    const metrics = scope(() => {
      const { observations: s, actions: a, rewards: r, nextObservations: s2, notDone } = batchTensors(batch);

      // 1. Critics, toward the smoothed target policy's value.
      const target = noGrad(() => {
        const noise = clamp(scale(randomNormal(batch.size, this.actionDim, this.rng), c.policyNoise), -c.noiseClip, c.noiseClip);
        const nextAction = clamp(add(this.targetActor.forward(s2), noise), -1, 1);
        return add(r, scale(mul(notDone, this.targetCritic.min(s2, nextAction)), c.discount));
      });
      const [q1, q2] = this.critic.both(s, a);
      const criticLoss = add(mean(square(sub(q1, target))), mean(square(sub(q2, target))));
      this.criticOpt.zeroGrad();
      backward(criticLoss);
      this.criticOpt.step();

      // 2. Every policyFreq updates: actor (Q term normalized by λ, plus BC) and targets.
      if ((this.updates + 1) % c.policyFreq === 0) {
        // CORL counts this update first: actor steps 2, 4, 6, …
        const pi = this.actor.forward(s);
        const actorLoss = frozen([this.critic], () => {
          const q = this.critic.q1.forward(concatCols([s, pi])); // [B,1]
          const lambda = c.alpha / noGrad(() => mean(abs(q)).item());
          return add(scale(mean(q), -lambda), mean(square(sub(pi, a))));
        });
        this.actorOpt.zeroGrad();
        backward(actorLoss);
        this.actorOpt.step();
        this.lastActorLoss = actorLoss.item();
        polyakUpdate(this.targetCritic, this.critic, c.tau);
        polyakUpdate(this.targetActor, this.actor, c.tau);
      }
      // Before the first actor update there is no actor loss to report (rather than a NaN, which the
      // training loop would take for divergence).
      const actor: Metrics = this.updates + 1 >= c.policyFreq ? { "loss/actor": this.lastActorLoss } : {};
      return { "loss/q": criticLoss.item(), ...actor, "value/q_mean": mean(minimum(q1, q2)).item() };
    });
    this.updates++;
    return metrics;
  }

  act(observations: Float32Array, n: number, deterministic = true): Float32Array {
    return this.actions.run(n, this.actionDim, () => {
      const pi = this.actor.forward(new Tensor(n, this.observationDim, observations.subarray(0, n * this.observationDim)));
      // Exploration noise only when asked for a stochastic action (TD3's N(0, 0.1²)).
      return deterministic ? pi : clamp(add(pi, scale(randomNormal(n, this.actionDim, this.rng), 0.1)), -1, 1);
    });
  }

  logProb(): Float32Array {
    throw new Error("td3bc: a deterministic policy has no log-probabilities");
  }

  private parts() {
    return {
      modules: { critic: this.critic, targetCritic: this.targetCritic, actor: this.actor, targetActor: this.targetActor },
      optimizers: { critic: this.criticOpt, actor: this.actorOpt },
    };
  }

  state(): AgentState {
    const { modules, optimizers } = this.parts();
    return { tensors: collectTensors(modules, optimizers), meta: { ...this.baseMeta(), lastActorLoss: this.lastActorLoss } };
  }

  loadState(state: AgentState, source: StateSource = "td3bc state"): void {
    const { modules, optimizers } = this.parts();
    restoreTensors(state.tensors, modules, optimizers, source);
    this.loadBaseMeta(state.meta);
    this.lastActorLoss = Number(state.meta.lastActorLoss ?? Number.NaN);
  }
}
