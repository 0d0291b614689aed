// Importance weights: log-space ratios, clipping, self-normalization and the effective sample size.
import assert from "node:assert/strict";
import { it } from "node:test";
import { importanceWeights } from "../../src/adept/importance.js";
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
  // No clipping: the raw ratio survives; huge log-ratios neither overflow nor underflow.
  importanceWeights([800, 0, -800], [0, 0, 0], 3, null, w);
  assertClose(Array.from(w.subarray(0, 3)), [3, 0, 0], 1e-6, 1e-6, "unclipped extreme");
  const equal = importanceWeights([1, 1, 1], [1, 1, 1], 3, 10, w);
  assert.equal(equal.ess, 3);
});
