/**
 * Behaviour cloning, two ways (config `policy`):
 * - "deterministic": a = tanh(f(s)), L = E‖π(s) − a‖² (CORL's any-percent BC);
 * - "gaussian": N(tanh(f(s)), σ²) by maximum likelihood, L = −E log π(a|s). This is also the
 *   behaviour-policy estimate π_β that ADEPT's importance weights need when a dataset has no
 *   logged log-probs.
 */
import type { TransitionBatch } from "../data/replay.js";
import { Adam } from "../nn/optim.js";
import type { StateSource } from "../nn/state-source.js";
import { mean, neg, square, sub } from "../tensor/ops.js";
import { backward, scope } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { type Agent, AgentBase, type AgentState, batchTensors, collectTensors, type Metrics, restoreTensors } from "./agent.js";
import { DeterministicActor, GaussianActor, hiddenOf } from "./networks.js";

export const BC_CONFIG = defineConfig({
  policy: {
    default: "deterministic",
    doc: "deterministic (MSE, CORL any-percent BC) or gaussian (maximum likelihood)",
    choices: ["deterministic", "gaussian"],
  },
  lr: { default: 3e-4, doc: "learning rate (CORL)" },
  bestFraction: {
    default: 1,
    doc: "train on the best fraction of episodes by return (CORL's BC-x%: frac 0.1 for BC-10%); applied by the trainer to the dataset",
  },
  hiddenWidth: { default: 256, doc: "width of every hidden layer (CORL)" },
  hiddenDepth: { default: 2, doc: "hidden layers (CORL)" },
});
export type BCConfig = ConfigOf<typeof BC_CONFIG>;

export class BC extends AgentBase implements Agent {
  readonly algo = "bc";
  readonly config: BCConfig;
  readonly actor: DeterministicActor | GaussianActor;
  private readonly opt: Adam;

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    config: Partial<BCConfig> = {},
    seed = 0,
  ) {
    super(new Rng(seed));
    this.config = resolveConfig(BC_CONFIG, config, "bc");
    const hidden = hiddenOf(this.config.hiddenWidth, this.config.hiddenDepth);
    this.actor =
      this.config.policy === "gaussian"
        ? new GaussianActor(observationDim, actionDim, hidden, this.rng)
        : new DeterministicActor(observationDim, actionDim, hidden, this.rng);
    this.opt = new Adam(this.actor.parameters(), { lr: this.config.lr });
  }

  update(batch: TransitionBatch): Metrics {
    const metrics = scope(() => {
      const { observations: s, actions: a } = batchTensors(batch);
      const actor = this.actor;
      const loss =
        actor instanceof GaussianActor
          ? neg(mean(actor.distribution(s).logProb(a))) // −E log π(a|s)
          : mean(square(sub(actor.forward(s), a))); // E‖π(s) − a‖² / |A|
      this.opt.zeroGrad();
      backward(loss);
      this.opt.step();
      return { "loss/actor": loss.item() };
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
      "bc: log-probabilities need policy=gaussian (a deterministic policy has no density)",
    );
  }

  state(): AgentState {
    return { tensors: collectTensors({ actor: this.actor }, { actor: this.opt }), meta: this.baseMeta() };
  }

  loadState(state: AgentState, source: StateSource = "bc state"): void {
    restoreTensors(state.tensors, { actor: this.actor }, { actor: this.opt }, source);
    this.loadBaseMeta(state.meta);
  }
}
