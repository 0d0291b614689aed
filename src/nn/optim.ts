/**
 * Adam and AdamW (PyTorch semantics), global gradient-norm clipping, learning-rate
 * schedules and Polyak averaging. The update itself is one fused kernel per parameter.
 */
import { kernels } from "../tensor/backend.js";
import { Tensor } from "../tensor/tensor.js";
import type { Module } from "./module.js";
import { type StateSource, stateError } from "./state-source.js";

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate. Default 3e-4. */
  lr?: number;
  /** (β₁, β₂). Default [0.9, 0.999]. */
  betas?: [number, number];
  /** ε added to √v̂. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay (AdamW); 0 is plain Adam. Default 0. */
  weightDecay?: number;
  /** Clip the global gradient norm to this value before the step; null for none. Default null. */
  maxGradNorm?: number | null;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number | null;
  /** Number of steps taken (for bias correction). */
  stepCount = 0;
  /** First and second moments, one per parameter. */
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(
    readonly params: Tensor[],
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 3e-4;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.maxGradNorm = options.maxGradNorm ?? null;
    for (const p of params) if (!p.requiresGrad) throw new Error(`Adam: a parameter of shape ${p.shape} does not require a gradient`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /**
   * Moments (m.<i>, v.<i>) and the step count (exact in float32 up to 2²⁴ steps), for
   * checkpoints. The learning rate is configuration (schedules recompute it from the step).
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = { step: Tensor.from([[this.stepCount]]) };
    this.params.forEach((p, i) => {
      out[`m.${i}`] = new Tensor(p.rows, p.cols, this.m[i]);
      out[`v.${i}`] = new Tensor(p.rows, p.cols, this.v[i]);
    });
    return out;
  }

  /** Restores a state from {@link stateDict} (same parameters, same order); `source` as for `Module.loadStateDict`. */
  loadStateDict(state: Record<string, Tensor>, source: StateSource = "optimizer state"): void {
    const step = state.step;
    if (!step) throw stateError(source, `missing "step"`);
    this.stepCount = step.item();
    this.params.forEach((p, i) => {
      for (const [key, dst] of [
        [`m.${i}`, this.m[i]!],
        [`v.${i}`, this.v[i]!],
      ] as const) {
        const t = state[key];
        if (!t || t.size !== p.size) throw stateError(source, `"${key}" is missing or not shaped ${p.shape}`);
        dst.set(t.data);
      }
    });
  }

  /** Zeroes every parameter's gradient (allocating it on first use). */
  zeroGrad(): void {
    for (const p of this.params) {
      if (p.grad) p.grad.fill(0);
      else p.grad = new Float32Array(p.size);
    }
  }

  /**
   * One update. With gradient clipping on, returns the global gradient norm before
   * clipping; without it, returns NaN (the norm is not computed: it costs a pass over
   * every gradient — call {@link gradNorm} when you want it logged).
   */
  step(): number {
    const K = kernels();
    const norm = this.maxGradNorm === null ? Number.NaN : gradNorm(this.params);
    const clip = this.maxGradNorm !== null && norm > this.maxGradNorm ? this.maxGradNorm / (norm + 1e-6) : 1;
    this.stepCount++;
    const bc1 = 1 - this.beta1 ** this.stepCount;
    const bc2 = 1 - this.beta2 ** this.stepCount;
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g) return; // no gradient reached this parameter
      if (clip !== 1) for (let j = 0; j < g.length; j++) g[j]! *= clip;
      K.adam(p.data, g, this.m[i]!, this.v[i]!, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, bc1, bc2);
    });
    return norm;
  }
}

/** ‖∇‖₂ over all parameters' gradients. */
export function gradNorm(params: Tensor[]): number {
  const K = kernels();
  let sq = 0;
  for (const p of params) if (p.grad) sq += K.sumSquares(p.grad);
  return Math.sqrt(sq);
}

/** Cosine annealing from `base` to `min` over `total` steps (then held at `min`). */
export function cosineLr(base: number, step: number, total: number, min = 0): number {
  const t = Math.min(Math.max(step / total, 0), 1);
  return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * t));
}

/** target ← (1 − τ)·target + τ·source, parameter by parameter (target networks, EMA). */
export function polyakUpdate(target: Module, source: Module, tau: number): void {
  const K = kernels();
  const t = target.parameters();
  const s = source.parameters();
  if (t.length !== s.length) throw new Error("polyakUpdate: modules differ in structure");
  for (let i = 0; i < t.length; i++) {
    if (t[i]!.size !== s[i]!.size) throw new Error(`polyakUpdate: parameter ${i} is ${t[i]!.shape} vs ${s[i]!.shape}`);
    K.polyak(t[i]!.data, s[i]!.data, tau);
  }
}
