/** Shared test helpers: numeric comparison and finite-difference gradient checks. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mul, sum } from "../src/tensor/ops.js";
import { backward, noGrad, Tensor } from "../src/tensor/tensor.js";
import { Rng } from "../src/util/rng.js";

/** The repository root (the folder with package.json above dist/test). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

/** Asserts |a − b| ≤ atol + rtol·|b| elementwise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = "values"): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) assert.fail(`${what}[${i}]: ${a} vs expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** A leaf tensor requiring a gradient, with values U(low, high), pushed away from `avoid` points. */
export function leaf(rows: number, cols: number, rng: Rng, low = -1, high = 1, avoid: number[] = []): Tensor {
  const t = new Tensor(rows, cols, undefined, true);
  for (let i = 0; i < t.size; i++) {
    let v: number;
    do v = low + (high - low) * rng.uniform();
    while (avoid.some((a) => Math.abs(v - a) < 0.05));
    t.data[i] = v;
  }
  return t;
}

/**
 * Compares autograd gradients of L = Σ W ⊙ f(inputs) (W random) with central finite
 * differences, for every element of every input that requires a gradient (up to
 * `maxPerInput` sampled elements each).
 */
export function checkGradients(
  name: string,
  inputs: Tensor[],
  f: (...xs: Tensor[]) => Tensor,
  options: { eps?: number; rtol?: number; atol?: number; maxPerInput?: number; seed?: number } = {},
): void {
  const { eps = 1e-3, rtol = 2e-2, atol = 2e-3, maxPerInput = 24, seed = 7 } = options;
  const rng = new Rng(seed);
  for (const x of inputs) x.grad = null;
  const out = f(...inputs);
  const weights = new Tensor(out.rows, out.cols);
  rng.fillUniform(weights.data, -1, 1);
  const lossOf = (): number => noGrad(() => sum(mul(f(...inputs), weights)).item());
  backward(sum(mul(out, weights)));
  inputs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ?? new Float32Array(x.size);
    const picks = x.size <= maxPerInput ? [...Array(x.size).keys()] : Array.from({ length: maxPerInput }, () => rng.int(x.size));
    for (const i of picks) {
      const original = x.data[i]!;
      x.data[i] = original + eps;
      const plus = lossOf();
      x.data[i] = original - eps;
      const minus = lossOf();
      x.data[i] = original;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[i]!;
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric))))
        assert.fail(`${name}: d/d(input ${xi})[${i}] analytic ${a} vs finite-difference ${numeric}`);
    }
  });
}

/** What `fn` writes to stdout (e.g. a CLI command run in-process), captured instead of printed. */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join("");
}
