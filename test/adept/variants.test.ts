// The mechanism probe's variants of ADEPT (tempered weights, a real-data anchor, an
// uncertainty penalty from the spread of denoising samples, clip off): each is a config field
// whose default is the paper's, and each logs the weights' degeneracy (ESS/N, clipped share,
// largest weight's share) beside its own terms.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADEPT_CONFIG, resolveAdeptConfig } from "../../src/adept/config.js";
import { AdeptLearner } from "../../src/adept/learner.js";
import { DiffusionWorldModel } from "../../src/diffusion/world-model.js";
import { Rng } from "../../src/util/rng.js";
import { A, banditData, S } from "../agents/toy.js";

const base = {
  hiddenWidth: 32,
  wmPretrainSteps: 100,
  wmWidth: 32,
  wmDepth: 1,
  wmDenoisingSteps: 3,
  iterationSteps: 50,
  wmStepsPerIteration: 3,
  isBatchSize: 128,
  rolloutCount: 64,
  horizon: 2,
  gapSamples: 64,
  behaviourSteps: 50,
};

describe("ADEPT's mechanism variants", () => {
  it("default to the paper: α 1, no anchor, no penalty, clip on", () => {
    assert.deepEqual(
      [ADEPT_CONFIG.isTemperature.default, ADEPT_CONFIG.isAnchor.default, ADEPT_CONFIG.rewardPenalty.default, ADEPT_CONFIG.isClip.default],
      [1, 0, 0, true],
    );
  });

  const variants: [string, Record<string, unknown>, string[]][] = [
    ["tempered weights", { isTemperature: 0.5 }, []],
    ["a real-data anchor", { isAnchor: 0.5 }, ["wm/anchored_ess_fraction"]],
    ["an uncertainty penalty", { rewardPenalty: 0.5, penaltySamples: 3 }, ["model/uncertainty_mean", "model/penalty_mean"]],
    ["clipping off", { isClip: false }, []],
  ];
  for (const [what, config, extra] of variants)
    it(`${what} runs the loop and logs the weights' degeneracy`, () => {
      const learner = AdeptLearner.create(
        "adept-iql",
        banditData(1000, 5),
        resolveAdeptConfig("adept-iql", { ...base, ...config }),
        1,
        64,
        {
          progress: false,
        },
      );
      const logged: Record<string, number>[] = [];
      for (let t = 0; t < 101; t++) logged.push(learner.step());
      const iteration = logged.filter((m) => "wm/ess_fraction" in m);
      assert.equal(iteration.length, 3);
      for (const m of iteration)
        for (const key of ["wm/ess_fraction", "wm/clipped_fraction", "wm/clipped_high_fraction", "wm/max_share", ...extra]) {
          assert.ok(Number.isFinite(m[key]), `${key} = ${m[key]}`);
          assert.ok(m[key]! >= 0 && (key.startsWith("model/") || m[key]! <= 1), `${key} = ${m[key]} in [0, 1]`);
        }
      if ("rewardPenalty" in config) assert.ok(iteration[0]!["model/penalty_mean"]! > 0, "the penalty is applied");
      if (config.isClip === false) assert.ok(iteration.every((m) => m["wm/clipped_fraction"] === 0));
    });

  it("u(s, a) is the spread of K samples of (s′, r) for the same pair, and the step is the first sample", () => {
    const data = banditData(500, 6);
    const model = DiffusionWorldModel.fromDataset(data.dataset, { width: 32, depth: 1, denoisingSteps: 3 }, 2);
    model.fit(data.dataset, 50);
    const n = 16,
      K = 3;
    const s = data.dataset.observations.subarray(0, n * S),
      a = data.dataset.actions.subarray(0, n * A);
    const step = model.stepWithUncertainty(s, a, n, K, new Rng(4));
    // The same K samples, drawn by hand with the same stream.
    const repS = new Float32Array(K * n * S),
      repA = new Float32Array(K * n * A);
    for (let k = 0; k < K; k++) {
      repS.set(s, k * n * S);
      repA.set(a, k * n * A);
    }
    const all = model.step(repS, repA, K * n, new Rng(4));
    assert.deepEqual(step.nextObservations, all.nextObservations.slice(0, n * S));
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j <= S; j++) {
        const v = Array.from({ length: K }, (_, k) => (j < S ? all.nextObservations[(k * n + i) * S + j]! : all.rewards[k * n + i]!));
        const mean = v.reduce((x, y) => x + y, 0) / K;
        total += v.reduce((x, y) => x + (y - mean) ** 2, 0) / K;
      }
      assert.ok(Math.abs(step.uncertainties![i]! - Math.sqrt(total)) < 1e-4, `row ${i}`);
      assert.ok(step.uncertainties![i]! > 0, "different noise, different samples");
    }
  });
});
