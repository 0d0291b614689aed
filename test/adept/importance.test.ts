// Importance weights: log-space ratios, clipping, self-normalization and the effective sample size.
import assert from "node:assert/strict";
import { it } from "node:test";
import { anchorWeights, importanceWeights } from "../../src/adept/importance.js";
import { assertClose } from "../helpers.js";

it("weights are π/π_β, clipped to [1/c, c], self-normalized to mean 1, with ESS (Σw)²/Σw²", () => {
  const logPi = [Math.log(0.5), Math.log(2), Math.log(1), Math.log(100)];
  const logBeta = [0, 0, 0, 0];
  const w = new Float32Array(4);
  const stats = importanceWeights(logPi, logBeta, 4, 10, w);
  const ratios = [0.5, 2, 1, 10]; // the last clipped from 100 to 10
  const mean = ratios.reduce((a, b) => a + b, 0) / 4;
  assertClose(
    w,
    ratios.map((r) => r / mean),
    1e-6,
    1e-6,
    "weights",
  );
  const ess = ratios.reduce((a, b) => a + b, 0) ** 2 / ratios.reduce((a, b) => a + b * b, 0);
  assertClose([stats.ess], [ess], 1e-6, 0, "ESS");
  assert.equal(stats.clippedFraction, 0.25);
  assert.equal(stats.clippedHighFraction, 0.25, "100 > c: clipped from above");
  const low = importanceWeights([Math.log(0.01), Math.log(0.05), Math.log(20), 0], [0, 0, 0, 0], 4, 10, w);
  assert.deepEqual([low.clippedFraction, low.clippedHighFraction], [0.75, 0.25], "two below 1/c, one above c");
  assertClose([low.meanLogRatio], [(Math.log(0.01) + Math.log(0.05) + Math.log(20)) / 4], 1e-12, 0, "mean raw log-ratio");
  // No clipping: the raw ratio survives; huge log-ratios neither overflow nor underflow.
  importanceWeights([800, 0, -800], [0, 0, 0], 3, null, w);
  assertClose(Array.from(w.subarray(0, 3)), [3, 0, 0], 1e-6, 1e-6, "unclipped extreme");
  const equal = importanceWeights([1, 1, 1], [1, 1, 1], 3, 10, w);
  assert.equal(equal.ess, 3);
});

it("tempered weights are the clipped ratios to the power α, self-normalized; maxShare is the largest weight's share", () => {
  const logPi = [Math.log(0.5), Math.log(2), Math.log(1), Math.log(100)];
  const w = new Float32Array(4);
  const stats = importanceWeights(logPi, [0, 0, 0, 0], 4, 10, w, 0.5);
  const tempered = [0.5, 2, 1, 10].map((r) => Math.sqrt(r)); // clipped to 10 first, then √
  const sum = tempered.reduce((a, b) => a + b, 0);
  assertClose(
    w,
    tempered.map((r) => (4 * r) / sum),
    1e-6,
    1e-6,
    "tempered weights",
  );
  assertClose([stats.maxShare], [Math.sqrt(10) / sum], 1e-6, 0, "largest weight's share");
  assert.equal(stats.clippedFraction, 0.25);
  // Tempering raises the ESS of the same ratios; α = 1 is the paper's weights.
  const plain = importanceWeights(logPi, [0, 0, 0, 0], 4, 10, new Float32Array(4));
  assert.ok(stats.ess > plain.ess, `ESS ${stats.ess} (α 0.5) vs ${plain.ess} (α 1)`);
  assert.equal(importanceWeights([1, 1, 1], [1, 1, 1], 3, 10, w).maxShare, 1 / 3);
  assert.throws(() => importanceWeights(logPi, [0, 0, 0, 0], 4, 10, w, 0), /temperature must be in \(0, 1\]/);
});

it("the anchor mixes the weights with uniform ones: (1 − β)·w + β, still mean 1", () => {
  const w = Float32Array.from([0.2, 0.2, 0.2, 3.4]);
  const stats = anchorWeights(w, 4, 0.25);
  assertClose(w, [0.4, 0.4, 0.4, 2.8], 1e-6, 1e-6, "anchored weights");
  assertClose([stats.maxShare, stats.ess], [2.8 / 4, 16 / (3 * 0.16 + 2.8 ** 2)], 1e-6, 0, "share, ESS");
  // β = 1 is plain unweighted training; β = 0 leaves the weights as they are.
  const ones = Float32Array.from([0.2, 3.8]);
  anchorWeights(ones, 2, 1);
  assert.deepEqual(Array.from(ones), [1, 1]);
  assert.throws(() => anchorWeights(w, 4, 1.5), /β must be in \[0, 1\]/);
});
