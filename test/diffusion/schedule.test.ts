import assert from "node:assert/strict";
import { test } from "node:test";
import { cosineSchedule, guidedEpsilon, MAX_BETA, sinusoidalEmbedding, weightedMean } from "../../src/diffusion/index.js";
import { noGrad, Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose, checkGradients, leaf } from "../helpers.js";

test("cosine schedule: ᾱ_0 = 1, monotone, ᾱ_k = f(k)/f(0) before the β clip, ᾱ_K ≈ 0", () => {
  for (const K of [10, 20]) {
    const s = 0.008;
    const sch = cosineSchedule(K, s);
    const f = (k: number): number => Math.cos(((k / K + s) / (1 + s)) * (Math.PI / 2)) ** 2;
    assert.equal(sch.alphaBars[0], 1);
    for (let k = 1; k <= K; k++) assert.ok(sch.alphaBars[k]! < sch.alphaBars[k - 1]!, `ᾱ decreases at k=${k}`);
    for (let k = 1; k < K; k++) assertClose([sch.alphaBars[k]!], [f(k) / f(0)], 1e-12, 1e-14, `ᾱ_${k}`);
    assert.equal(sch.betas[K], MAX_BETA, "β_K is clipped at 0.999");
    assert.ok(sch.alphaBars[K]! < 1e-3, `ᾱ_K = ${sch.alphaBars[K]}`);
    // Posterior: μ̃ coefficients sum to reproduce x when x_k = √ᾱ_k x_0 noise-free is consistent; σ_1 = 0.
    assert.equal(sch.posteriorStd[1], 0);
    assertClose([sch.posteriorX0Coef[1]!, sch.posteriorXkCoef[1]!], [1, 0], 1e-12, 1e-12, "k=1 posterior returns x̂_0");
    for (let k = 1; k <= K; k++) {
      const mean = sch.posteriorX0Coef[k]! + sch.posteriorXkCoef[k]! * sch.sqrtAlphaBars[k]!; // μ̃ of x_k = √ᾱ_k·x_0 with x_0 = 1
      assertClose([mean], [Math.sqrt(sch.alphaBars[k - 1]!)], 1e-9, 1e-9, `posterior mean at k=${k}`);
    }
  }
  assert.throws(() => cosineSchedule(0), /positive integer/);
});

test("sinusoidal embedding: sin/cos halves, row 0 = [0…, 1…]", () => {
  const t = sinusoidalEmbedding(10, 8);
  assert.equal(t.rows, 11);
  assert.deepEqual(Array.from(t.data.subarray(0, 8)), [0, 0, 0, 0, 1, 1, 1, 1]);
  assertClose([t.at(3, 0), t.at(3, 4)], [Math.sin(3), Math.cos(3)], 1e-6, 1e-6);
  assert.throws(() => sinusoidalEmbedding(10, 7), /even/);
});

test("guidedEpsilon = (1 + w)·ε(c) − w·ε(∅); w = 0 returns ε(c) exactly", () => {
  const c = Tensor.from([[1, 2]]),
    u = Tensor.from([[3, -1]]);
  noGrad(() => {
    assert.deepEqual(Array.from(guidedEpsilon(c, u, 0).data), [1, 2]);
    assertClose(guidedEpsilon(c, u, 0.1).data, [1.1 * 1 - 0.3, 1.1 * 2 + 0.1]);
  });
  assert.throws(() => guidedEpsilon(c, u, 0.1), /noGrad/);
});

test("weightedMean: Σ wL / Σ w, gradient by finite differences, equal weights = mean", () => {
  const rng = new Rng(1);
  const L = leaf(6, 1, rng);
  const w = new Tensor(6, 1, Float32Array.from([0.5, 1, 2, 0, 3, 1]));
  checkGradients("weightedMean", [L], (x) => weightedMean(x!, w));
  const equal = new Tensor(6, 1, new Float32Array(6).fill(2.5));
  noGrad(() => assertClose([weightedMean(L, equal).item()], [weightedMean(L, null).item()], 1e-6));
  assert.throws(() => weightedMean(L, new Tensor(6, 1)), /positive finite sum/);
});
