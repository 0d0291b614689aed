/**
 * The networks the agents share: twin Q critics, a state-value net, and three actors
 * (Gaussian with state-independent σ as in CORL's IQL/BC, tanh-Gaussian as in SAC/CQL,
 * deterministic as in TD3+BC). All are MLPs over z-scored observations.
 */
import { DiagGaussian, TanhGaussian } from "../distributions/gaussian.js";
import { MLP, type MLPOptions } from "../nn/layers.js";
import { Module, parameter, prefixed } from "../nn/module.js";
import { clamp, concatCols, minimum, sliceCols } from "../tensor/ops.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";

/** Hidden widths of every agent network: D4RL's 2 × 256 unless configured. */
export function hiddenOf(width: number, depth: number): MLPOptions {
  return { hidden: Array(depth).fill(width), activation: "relu" };
}

/** Q₁, Q₂ : (s, a) → ℝ, trained on the same targets; min(Q₁, Q₂) curbs overestimation. */
export class TwinQ extends Module {
  readonly q1: MLP;
  readonly q2: MLP;

  constructor(observationDim: number, actionDim: number, options: MLPOptions, rng: Rng) {
    super();
    this.q1 = new MLP(observationDim + actionDim, 1, options, rng);
    this.q2 = new MLP(observationDim + actionDim, 1, options, rng);
  }

  /** Both critics' values → [B,1] each. */
  both(s: Tensor, a: Tensor): [Tensor, Tensor] {
    const sa = concatCols([s, a]); // [B, S+A]
    return [this.q1.forward(sa), this.q2.forward(sa)];
  }

  /** min(Q₁, Q₂) → [B,1]. */
  min(s: Tensor, a: Tensor): Tensor {
    const [q1, q2] = this.both(s, a);
    return minimum(q1, q2);
  }

  namedParameters(): [string, Tensor][] {
    return [...prefixed("q1", this.q1), ...prefixed("q2", this.q2)];
  }
}

/** N(tanh(f(s)), σ²) with a learned state-independent log σ clamped to [−20, 2] (CORL's GaussianPolicy). */
export class GaussianActor extends Module {
  readonly net: MLP;
  readonly logStd: Tensor; // [1, A]

  constructor(observationDim: number, actionDim: number, options: MLPOptions, rng: Rng) {
    super();
    this.net = new MLP(observationDim, actionDim, { ...options, outputActivation: "tanh" }, rng);
    this.logStd = parameter(1, actionDim);
  }

  distribution(s: Tensor): DiagGaussian {
    return new DiagGaussian(this.net.forward(s), clamp(this.logStd, -20, 2));
  }

  namedParameters(): [string, Tensor][] {
    return [...prefixed("net", this.net), ["logStd", this.logStd]];
  }
}

/** tanh(u), u ~ N(μ(s), σ(s)²), with log σ(s) clamped to [minLogStd, 2] (SAC's actor). */
export class TanhGaussianActor extends Module {
  readonly net: MLP;

  constructor(
    observationDim: number,
    readonly actionDim: number,
    options: MLPOptions,
    rng: Rng,
    private readonly minLogStd = -5,
  ) {
    super();
    this.net = new MLP(observationDim, 2 * actionDim, options, rng);
  }

  distribution(s: Tensor): TanhGaussian {
    const out = this.net.forward(s); // [B, 2A]
    const A = this.actionDim;
    return new TanhGaussian(sliceCols(out, 0, A), clamp(sliceCols(out, A, 2 * A), this.minLogStd, 2));
  }

  namedParameters(): [string, Tensor][] {
    return prefixed("net", this.net);
  }
}

/** a = tanh(f(s)) (TD3's actor; BC's deterministic policy). */
export class DeterministicActor extends Module {
  readonly net: MLP;

  constructor(observationDim: number, actionDim: number, options: MLPOptions, rng: Rng) {
    super();
    this.net = new MLP(observationDim, actionDim, { ...options, outputActivation: "tanh" }, rng);
  }

  forward(s: Tensor): Tensor {
    return this.net.forward(s); // [B, A]
  }

  namedParameters(): [string, Tensor][] {
    return prefixed("net", this.net);
  }
}
