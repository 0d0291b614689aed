// Model rollouts end where the task says: at its rule, never for a task that does not
// terminate (halfcheetah) whatever the terminal model believes, and by the terminal model's
// P(done) only for a task that gives no rule. A stub world model that is sure every step is
// terminal (P(done) = 1) tells the three apart. And rollouts last the task's time limit by
// default, not the data's (often shorter) episodes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WorldModel, WorldModelStep } from "../../src/diffusion/types.js";
import type { BatchPolicy } from "../../src/envs/policy.js";
import { prepareOpeData } from "../../src/ope/data.js";
import { evaluateOffline } from "../../src/ope/index.js";
import { modelRollouts, rolloutHorizon } from "../../src/ope/model.js";
import { Rng } from "../../src/util/rng.js";
import { toyDataset } from "../diffusion/_fixtures.js";

const S = 17,
  A = 6; // halfcheetah's widths

/** s′ = s + 0.1, reward 1, and P(done) = 1 on every step. */
const alwaysDone: WorldModel = {
  kind: "stub",
  observationDim: S,
  actionDim: A,
  updates: 0,
  update: () => ({}),
  save: () => {},
  step(observations: Float32Array, _actions: Float32Array, n: number): WorldModelStep {
    return {
      nextObservations: observations.slice(0, n * S).map((v) => v + 0.1),
      rewards: new Float32Array(n).fill(1),
      doneProbabilities: new Float32Array(n).fill(1),
      terminals: new Uint8Array(n).fill(1),
    };
  },
};
const zeroPolicy: BatchPolicy = (_obs, n) => new Float32Array(n * A);
const data = prepareOpeData(toyDataset(200, S, A, new Rng(0), { next: (s) => s, reward: () => 1 }), 0, 0);
const rollouts = (termination: Parameters<typeof modelRollouts>[3]["termination"]) =>
  modelRollouts(data, alwaysDone, zeroPolicy, { rollouts: 8, horizon: 20, discount: 0.9, termination, seed: 0 });

describe("model rollouts' termination", () => {
  it("a task that never terminates runs every rollout to the horizon", () => {
    const r = rollouts({ rule: null });
    assert.equal(r.meanLength, 20);
    assert.equal(r.terminalFraction, 0);
    assert.equal(r.return.mean, 20);
  });

  it("a task's rule ends a rollout where it holds", () => {
    let calls = 0;
    const r = modelRollouts(data, alwaysDone, zeroPolicy, {
      rollouts: 1,
      horizon: 20,
      discount: 0.9,
      termination: { rule: () => ++calls >= 3 }, // true at the third step
      seed: 0,
    });
    assert.equal(r.meanLength, 3);
    assert.equal(r.terminalFraction, 1);
    assert.ok(Math.abs(r.discountedReturn.mean - (1 + 0.9 + 0.81)) < 1e-9);
  });

  it("without a rule, the terminal model's P(done) decides", () => {
    const r = rollouts(undefined);
    assert.equal(r.meanLength, 1);
    assert.equal(r.terminalFraction, 1);
  });

  it("evaluateOffline gives halfcheetah data's rollouts no terminals", () => {
    const dataset = { ...data.dataset, task: "halfcheetah" };
    const report = evaluateOffline(dataset, zeroPolicy, { fqe: false, worldModels: [alwaysDone], rollouts: 8, horizon: 20 });
    assert.equal(report.models[0]!.meanLength, 20);
    const unknown = evaluateOffline({ ...data.dataset }, zeroPolicy, { fqe: false, worldModels: [alwaysDone], rollouts: 8, horizon: 20 });
    assert.equal(unknown.models[0]!.meanLength, 1);
  });
});

describe("model rollouts' horizon", () => {
  it("is the task's time limit where the task is known, else the data's mean episode length", () => {
    assert.equal(rolloutHorizon({ ...data, dataset: { ...data.dataset, task: "walker2d" } }), 1000);
    assert.equal(rolloutHorizon(data), 1); // no task; every toy row is its own 1-step episode
    const report = evaluateOffline({ ...data.dataset, task: "halfcheetah" }, zeroPolicy, {
      fqe: false,
      worldModels: [alwaysDone],
      rollouts: 2,
    });
    assert.equal(report.models[0]!.horizon, 1000);
    assert.equal(report.models[0]!.meanLength, 1000);
  });
});
