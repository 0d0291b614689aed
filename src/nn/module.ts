/**
 * Parameters and modules. A module owns named parameter tensors; names are dotted paths
 * ("layers.0.weight") used by save/load, so checkpoints are inspectable.
 */
import { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";
import { type StateSource, stateError } from "./state-source.js";

/** A trainable tensor: owns its memory (never pooled) and requires a gradient. */
export function parameter(rows: number, cols: number): Tensor {
  return new Tensor(rows, cols, undefined, true);
}

/** U(−bound, bound) in place. */
export function uniformInit(t: Tensor, bound: number, rng: Rng): Tensor {
  rng.fillUniform(t.data, -bound, bound);
  return t;
}

export abstract class Module {
  /** Every parameter with its dotted name, in a fixed order. */
  abstract namedParameters(): [string, Tensor][];

  /** The parameters, in the order of {@link namedParameters}. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Name → tensor, for saving. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies values from a state dict; every parameter must be present with its shape. `source`
   * says where the state came from (a file: a mismatch is the file's fault; see ./state-source.ts).
   */
  loadStateDict(state: Record<string, Tensor>, source: StateSource = "state dict"): void {
    for (const [name, p] of this.namedParameters()) {
      const t = state[name];
      if (!t) throw stateError(source, `missing parameter "${name}"`);
      if (t.rows !== p.rows || t.cols !== p.cols) throw stateError(source, `parameter "${name}" has shape ${t.shape}, expected ${p.shape}`);
      p.data.set(t.data);
    }
  }

  /** Copies all parameter values from a module of the same structure (target networks). */
  copyFrom(other: Module): void {
    const mine = this.parameters();
    const theirs = other.parameters();
    if (mine.length !== theirs.length) throw new Error("copyFrom: modules differ in structure");
    mine.forEach((p, i) => {
      p.data.set(theirs[i]!.data);
    });
  }
}

/** Prefixes the names of a child's parameters. */
export function prefixed(prefix: string, child: Module): [string, Tensor][] {
  return child.namedParameters().map(([n, p]) => [`${prefix}.${n}`, p]);
}
