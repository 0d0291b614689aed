// The TypeScript sgemm's fast no-transpose loop does exactly the reference loop's arithmetic:
// dataset collection (src/collect/deterministic.ts) relies on its results being fixed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { referenceSgemm, tsKernels } from "../../src/tensor/ts-kernels.js";
import { Rng } from "../../src/util/rng.js";

function matrix(n: number, rng: Rng, zeros: number): Float32Array {
  const x = new Float32Array(n);
  rng.fillUniform(x, -1, 1);
  for (let i = 0; i < n; i++) if (rng.uniform() < zeros) x[i] = 0; // ReLU outputs are half zeros
  return x;
}

describe("TypeScript sgemm", () => {
  it("the no-transpose case is bit for bit the reference loop, for any shape, α, β and zeros", () => {
    const rng = new Rng(11);
    for (const [m, n, k] of [
      [1, 1, 1],
      [10, 256, 11],
      [10, 256, 256],
      [10, 6, 256],
      [3, 13, 7],
      [7, 9, 1500],
    ] as const)
      for (const [alpha, beta] of [
        [1, 0],
        [0.5, 1],
        [-2, 0.25],
        [0, 0.5],
      ] as const)
        for (const zeros of [0, 0.5, 1]) {
          const a = matrix(m * k, rng, zeros),
            b = matrix(k * n, rng, 0),
            c0 = matrix(m * n, rng, 0);
          const expected = c0.slice(),
            actual = c0.slice();
          referenceSgemm(false, false, m, n, k, alpha, a, b, beta, expected);
          tsKernels.sgemm(false, false, m, n, k, alpha, a, b, beta, actual);
          const first = actual.findIndex((v, i) => !Object.is(v, expected[i]));
          assert.equal(first, -1, `${m}x${n}x${k} α${alpha} β${beta} zeros ${zeros}: c[${first}] ${actual[first]} vs ${expected[first]}`);
        }
  });

  it("propagates NaN and Inf as the reference does, and skips zero terms as it does", () => {
    const a = new Float32Array([0, 1, 2, 0]); // [2, 2]
    const b = new Float32Array([Number.POSITIVE_INFINITY, 1, Number.NaN, 2]); // [2, 2]
    const expected = new Float32Array(4),
      actual = new Float32Array(4);
    referenceSgemm(false, false, 2, 2, 2, 1, a, b, 0, expected);
    tsKernels.sgemm(false, false, 2, 2, 2, 1, a, b, 0, actual);
    assert.deepEqual(Array.from(actual), Array.from(expected)); // [NaN, 2, Inf, 2]: 0·Inf and 0·NaN skipped
  });
});
