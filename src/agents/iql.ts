/**
 * Implicit Q-Learning (Kostrikov, Nair & Levine, 2022), following CORL's `iql.py`.
 *
 *   L_V(ψ)  = E[ |τ − 1(u < 0)| · u² ],          u = min Q̄(s, a) − V_ψ(s)          (expectile regression)
 *   L_Q(θ)  = E[ (r + γ (1 − d) V_ψ(s′) − Q_θᵢ(s, a))² ]   for both critics
 *   L_π(φ)  = −E[ min(exp(β · u), 100) · log π_φ(a|s) ]                              (advantage-weighted regression)
 *
 * One update does V, then Q (then the Polyak target update), then π, in CORL's order; s′'s
 * value is computed before V moves, as in CORL.
 */
import type { TransitionBatch } from "../data/replay.js";
import { MLP } from "../nn/layers.js";
import { Adam, cosineLr, polyakUpdate } from "../nn/optim.js";
import type { StateSource } from "../nn/state-source.js";
import { add, clamp, exp, mean, mul, neg, scale, square, sub, sum } from "../tensor/ops.js";
import { backward, detach, noGrad, scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type Agent, AgentBase, type AgentState, batchTensors, collectTensors, type Metrics, restoreTensors } from "./agent.js";
import { DeterministicActor, GaussianActor, hiddenOf, TwinQ } from "./networks.js";

export const IQL_CONFIG = defineConfig({
  lr: { default: 3e-4, doc: "learning rate of Q, V and π (CORL)" },
  discount: { default: 0.99, doc: "γ, discount factor (CORL)" },
  tau: { default: 0.005, doc: "Polyak rate of the target critics (CORL)" },
  expectile: { default: 0.7, doc: "τ of the expectile loss on V (CORL iql_tau, paper 0.7)" },
  beta: { default: 3.0, doc: "β, inverse temperature of the advantage weights (CORL, paper 3.0)" },
  expAdvMax: { default: 100, doc: "clip of exp(β·A) (CORL exp_adv_max)" },
  actorLrSchedule: { default: "cosine", doc: "actor learning-rate schedule over maxSteps (CORL: cosine)", choices: ["cosine", "constant"] },
  deterministicActor: {
    default: false,
    doc: "a deterministic actor with the advantage-weighted squared error (CORL iql_deterministic; CORL sets it for hopper-medium and hopper-medium-replay)",
  },
  maxSteps: { default: 1_000_000, doc: "horizon of the cosine actor schedule; set to the run's step budget (CORL max_timesteps)" },
  hiddenWidth: { default: 256, doc: "width of every hidden layer (CORL)" },
  hiddenDepth: { default: 2, doc: "hidden layers per network (CORL)" },
});
export type IQLConfig = ConfigOf<typeof IQL_CONFIG>;

export class IQL extends AgentBase implements Agent {
  readonly algo = "iql";
  readonly config: IQLConfig;
  readonly critic: TwinQ;
  readonly targetCritic: TwinQ;
  readonly value: MLP;
  readonly actor: GaussianActor | DeterministicActor;
  private readonly criticOpt: Adam;
  private readonly valueOpt: Adam;
  private readonly actorOpt: Adam;
  private expectileWeights = new Tensor(0, 1); // |τ − 1(u < 0)|  [B,1], refilled each update

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    config: Partial<IQLConfig> = {},
    seed = 0,
  ) {
    super(new Rng(seed));
    this.config = resolveConfig(IQL_CONFIG, config, "iql");
    const c = this.config;
    const hidden = hiddenOf(c.hiddenWidth, c.hiddenDepth);
    this.critic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic = new TwinQ(observationDim, actionDim, hidden, this.rng);
    this.targetCritic.copyFrom(this.critic);
    this.value = new MLP(observationDim, 1, hidden, this.rng);
    this.actor = c.deterministicActor
      ? new DeterministicActor(observationDim, actionDim, hidden, this.rng)
      : new GaussianActor(observationDim, actionDim, hidden, this.rng);
    this.criticOpt = new Adam(this.critic.parameters(), { lr: c.lr });
    this.valueOpt = new Adam(this.value.parameters(), { lr: c.lr });
    this.actorOpt = new Adam(this.actor.parameters(), { lr: c.lr });
  }

  update(batch: TransitionBatch): Metrics {
    const c = this.config;
    if (this.expectileWeights.rows !== batch.size) this.expectileWeights = new Tensor(batch.size, 1);
    const weights = this.expectileWeights;
    const metrics = scope(() => {
      const { observations: s, actions: a, rewards: r, nextObservations: s2, notDone } = batchTensors(batch);
      const nextV = noGrad(() => this.value.forward(s2)); // [B,1]

      // 1. V: expectile regression toward the target critics' min Q.
      const targetQ = noGrad(() => this.targetCritic.min(s, a)); // [B,1]
      const adv = sub(targetQ, this.value.forward(s)); // u = Q̄ − V  [B,1]
      for (let i = 0; i < batch.size; i++) weights.data[i] = adv.data[i]! < 0 ? 1 - c.expectile : c.expectile;
      const valueLoss = mean(mul(weights, square(adv)));
      this.valueOpt.zeroGrad();
      backward(valueLoss);
      this.valueOpt.step();

      // 2. Q: TD regression toward r + γ(1 − d)V(s′).
      const target = add(r, scale(mul(notDone, nextV), c.discount)); // [B,1]
      const [q1, q2] = this.critic.both(s, a);
      const criticLoss = scale(add(mean(square(sub(q1, target))), mean(square(sub(q2, target)))), 0.5); // CORL averages the two
      this.criticOpt.zeroGrad();
      backward(criticLoss);
      this.criticOpt.step();
      polyakUpdate(this.targetCritic, this.critic, c.tau);

      // 3. π: advantage-weighted log-likelihood of the dataset actions.
      if (c.actorLrSchedule === "cosine") this.actorOpt.lr = cosineLr(c.lr, this.updates, c.maxSteps);
      const expAdv = clamp(exp(scale(detach(adv), c.beta)), -Infinity, c.expAdvMax); // [B,1]
      const actor = this.actor;
      const actorLoss =
        actor instanceof GaussianActor
          ? neg(mean(mul(expAdv, actor.distribution(s).logProb(a)))) // −E[w · log π(a|s)]
          : mean(mul(expAdv, sum(square(sub(actor.forward(s), a)), 1))); // E[w · ‖π(s) − a‖²] (CORL's deterministic IQL)
      this.actorOpt.zeroGrad();
      backward(actorLoss);
      this.actorOpt.step();

      return {
        "loss/value": valueLoss.item(),
        "loss/q": criticLoss.item(),
        "loss/actor": actorLoss.item(),
        "value/q_mean": mean(q1).item(),
        "value/v_mean": mean(nextV).item(),
        "value/adv_mean": mean(adv).item(),
        "value/exp_adv_mean": mean(expAdv).item(),
        "train/actor_lr": this.actorOpt.lr,
      };
    });
    this.updates++;
    return metrics;
  }

  act(observations: Float32Array, n: number, deterministic = true): Float32Array {
    return this.actWith(this.actor, observations, n, deterministic);
  }

  logProb(observations: Float32Array, actions: Float32Array, n: number): Float32Array {
    return this.logProbWith(
      this.actor,
      observations,
      actions,
      n,
      "iql: log-probabilities need the Gaussian actor (deterministicActor is on)",
    );
  }

  private parts() {
    return {
      modules: { critic: this.critic, targetCritic: this.targetCritic, value: this.value, actor: this.actor },
      optimizers: { critic: this.criticOpt, value: this.valueOpt, actor: this.actorOpt },
    };
  }

  state(): AgentState {
    const { modules, optimizers } = this.parts();
    return { tensors: collectTensors(modules, optimizers), meta: this.baseMeta() };
  }

  loadState(state: AgentState, source: StateSource = "iql state"): void {
    const { modules, optimizers } = this.parts();
    restoreTensors(state.tensors, modules, optimizers, source);
    this.loadBaseMeta(state.meta);
  }
}
