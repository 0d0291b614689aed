/**
 * Divergence detection for the training loop. A run whose losses or parameters become NaN or
 * ±Infinity does not recover, and every later update, evaluation and checkpoint would only
 * spread the damage, so the loop stops at the step it appears:
 *
 *   every update   the losses it returned (`loss/*`, `*_loss`)  — a few numbers, free
 *   every log line the agent's parameters and optimizer moments  — one pass over the weights
 *   and before every evaluation and checkpoint, so a checkpoint on disk is always finite.
 *
 * Losses that grow by {@link EXPLOSION_FACTOR} over their value at the first update (e.g. a
 * learning rate far too high) are warned about once, without stopping the run.
 */
import type { Metrics } from "../agents/agent.js";
import type { Tensor } from "../tensor/tensor.js";
import { UserError } from "../util/errors.js";

/** A logged loss this many times its magnitude at the first update is worth a warning. */
export const EXPLOSION_FACTOR = 1e8;

/** The first non-finite quantity found. */
export interface NonFinite {
  /** A metric name (`loss/q`) or a parameter (`parameter actor.l0.weight[12]`). */
  quantity: string;
  value: number;
}

/** The run stopped because a quantity became non-finite; its message is the one line the CLI prints. */
export class DivergenceError extends UserError {
  override name = "DivergenceError";
  constructor(
    readonly step: number,
    readonly found: NonFinite,
    checkpoint: string,
  ) {
    super(`diverged at step ${step}: ${found.quantity} is ${found.value}; ${checkpoint}`);
  }
}

/** Metrics that are losses: `loss/…` and `…_loss` (e.g. `wm/is_loss`). */
export function isLossKey(key: string): boolean {
  return key.startsWith("loss/") || key.endsWith("_loss");
}

/** The first non-finite loss among `metrics`, if any. */
export function nonFiniteLoss(metrics: Metrics): NonFinite | undefined {
  for (const [key, value] of Object.entries(metrics)) if (isLossKey(key) && !Number.isFinite(value)) return { quantity: key, value };
  return undefined;
}

/** The first non-finite element of a set of named tensors (an agent's `state().tensors`), if any. */
export function nonFiniteTensor(tensors: Record<string, Tensor>): NonFinite | undefined {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v - v !== 0) return { quantity: `parameter ${name}[${i}]`, value: v }; // NaN and ±Infinity: v − v is NaN
    }
  }
  return undefined;
}

/** Watches the logged losses for explosion; warns once per run through `warn`. */
export class ExplosionWatch {
  private readonly first = new Map<string, number>();
  private warned = false;

  constructor(private readonly warn: (line: string) => void) {}

  /** What a checkpoint keeps, so a resumed run warns exactly when the uninterrupted one would. */
  state(): { first: Record<string, number>; warned: boolean } {
    return { first: Object.fromEntries(this.first), warned: this.warned };
  }

  restore(state: { first: Record<string, number>; warned: boolean } | undefined): void {
    if (!state) return;
    this.first.clear();
    for (const [k, v] of Object.entries(state.first)) this.first.set(k, v);
    this.warned = state.warned;
  }

  /** Records each loss's magnitude at its first update, the scale later values are compared with. */
  baseline(metrics: Metrics): void {
    if (this.warned) return;
    for (const [key, value] of Object.entries(metrics))
      if (isLossKey(key) && !this.first.has(key) && Number.isFinite(value) && value !== 0) this.first.set(key, Math.abs(value));
  }

  /** Looks at one log line (means since the last one); warns once when a loss has exploded. */
  observe(step: number, values: Metrics): void {
    if (this.warned) return;
    for (const [key, value] of Object.entries(values)) {
      const first = this.first.get(key);
      if (first === undefined || !Number.isFinite(value)) continue;
      if (Math.abs(value) >= EXPLOSION_FACTOR * first) {
        this.warned = true;
        this.warn(
          `warning: ${key} is ${value.toExponential(2)} at step ${step}, ≥ ${EXPLOSION_FACTOR.toExponential(0)}× its value at the first update (${first.toExponential(2)}): the run is likely diverging (a lower --lr, or reward scaling, may help)`,
        );
        return;
      }
    }
  }
}
