import assert from "node:assert/strict";
import { test } from "node:test";
import { allocateBatch } from "../../src/data/index.js";
import {
  DiffusionWorldModel,
  GaussianEnsembleWorldModel,
  loadWorldModel,
  oneStepErrors,
  rowsWithNextObservation,
  splitByEpisodes,
  WORLD_MODEL_CONFIG,
} from "../../src/diffusion/index.js";
import { poolStats } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, toyDataset } from "./_fixtures.js";

const SMALL = { width: 64, depth: 2, lr: 1e-3, rewardWidth: 64, rewardDepth: 2 };

test("defaults are the paper's", () => {
  const d = Object.fromEntries(Object.entries(WORLD_MODEL_CONFIG).map(([k, f]) => [k, f.default]));
  assert.deepEqual(
    [d.denoisingSteps, d.scheduleOffset, d.width, d.depth, d.batchSize, d.lr, d.guidance, d.conditionDropout, d.emaDecay, d.clip],
    [10, 0.008, 256, 3, 256, 3e-4, 0.1, 0.25, 0.995, true],
  );
});

test("reward/terminal model learns a toy rule: r = s′₀ − a², done = s′₁ > 0.6 (high precision and recall)", () => {
  const rng = new Rng(1);
  const rule = {
    next: (s: number[], a: number[]) => [0.7 * s[0]! + 0.3 * a[0]!, s[1]!],
    reward: (_s: number[], a: number[], s2: number[]) => s2[0]! - a[0]! * a[0]!,
    terminal: (s2: number[]) => s2[1]! > 0.6,
  };
  const train = toyDataset(4000, 2, 1, rng, rule, 0.005);
  const held = toyDataset(1000, 2, 1, rng, rule, 0.005);
  const model = DiffusionWorldModel.fromDataset(train, SMALL, 2);
  model.fit(train, 1500);
  const report = oneStepErrors(model, held, rowsWithNextObservation(held), new Rng(3));
  assert.ok(report.terminal.positives > 100);
  assert.ok(report.terminal.precision > 0.9 && report.terminal.recall > 0.9, JSON.stringify(report.terminal));
  assert.ok(report.reward.mae < 0.08, `reward MAE ${report.reward.mae}`);
});

test("save → load reproduces samples bitwise with the same seed; the loaded model keeps training", () => {
  const rng = new Rng(4);
  const data = toyDataset(600, 3, 2, rng, { next: (s, a) => [s[0]! + a[0]!, s[1]! * a[1]!, -s[2]!] });
  const tmp = tempDir();
  try {
    for (const config of [SMALL, { ...SMALL, target: "delta", prediction: "x0", architecture: "residual" }]) {
      const model = DiffusionWorldModel.fromDataset(data, config, 5);
      model.fit(data, 30);
      model.save(tmp.path("wm.safetensors"));
      const loaded = loadWorldModel(tmp.path("wm.safetensors")) as DiffusionWorldModel;
      assert.equal(loaded.kind, "diffusion");
      assert.deepEqual(loaded.config, model.config);
      assert.equal(loaded.updates, 30);
      const a = model.step(data.observations, data.actions, 200, new Rng(9));
      const b = loaded.step(data.observations, data.actions, 200, new Rng(9));
      assert.deepEqual(b.nextObservations, a.nextObservations);
      assert.deepEqual(b.rewards, a.rewards);
      assert.deepEqual(b.doneProbabilities, a.doneProbabilities);
      // Training continues identically (optimizer state and RNG restored).
      assert.deepEqual(loaded.fit(data, 3), model.fit(data, 3));
    }
    const ensemble = GaussianEnsembleWorldModel.fromDataset(data, { members: 3, width: 32, depth: 2 }, 5);
    ensemble.fit(data, 20);
    ensemble.save(tmp.path("ens.safetensors"));
    const loaded = loadWorldModel(tmp.path("ens.safetensors"));
    assert.equal(loaded.kind, "gaussian-ensemble");
    assert.deepEqual(
      loaded.step(data.observations, data.actions, 50, new Rng(1)),
      ensemble.step(data.observations, data.actions, 50, new Rng(1)),
    );
  } finally {
    tmp.cleanup();
  }
});

test("clipping keeps generated states and rewards inside the data range; off, an untrained model leaves it", () => {
  const rng = new Rng(6);
  const data = toyDataset(500, 2, 1, rng, { next: (s, a) => [s[0]! * a[0]!, 0.5 * s[1]!], reward: (s) => s[0]! });
  const stats = DiffusionWorldModel.fromDataset(data, SMALL).stats;
  const wild = new Float32Array(1000 * 2).map(() => 5 * (2 * rng.uniform() - 1)); // far outside the data
  const acts = new Float32Array(1000).map(() => 2 * rng.uniform() - 1);
  for (const clip of [true, false]) {
    const model = DiffusionWorldModel.fromDataset(data, { ...SMALL, clip }, 1);
    const out = model.step(wild, acts, 1000, new Rng(2));
    let outside = 0;
    for (let i = 0; i < 1000; i++) {
      for (let j = 0; j < 2; j++) {
        const v = out.nextObservations[i * 2 + j]!;
        if (v < stats.nextObservations.min[j]! || v > stats.nextObservations.max[j]!) outside++;
      }
      if (out.rewards[i]! < stats.rewards.min[0]! || out.rewards[i]! > stats.rewards.max[0]!) outside++;
    }
    if (clip) assert.equal(outside, 0);
    else assert.ok(outside > 0, "without clipping an untrained model goes outside the range");
  }
});

test("rows with an unknown s′ are skipped: statistics, sampling and splits never see them", () => {
  const rng = new Rng(7);
  const data = toyDataset(300, 2, 1, rng, { next: (s) => s });
  const missing = new Uint8Array(300);
  for (let i = 0; i < 300; i += 3) {
    missing[i] = 1;
    data.nextObservations.fill(1e6, i * 2, i * 2 + 2); // poison: would blow up the stats if used
  }
  const withMissing = { ...data, nextObservationMissing: missing };
  assert.equal(rowsWithNextObservation(withMissing).length, 200);
  const model = DiffusionWorldModel.fromDataset(withMissing, SMALL);
  assert.ok(model.stats.nextObservations.max[0]! < 2);
  model.fit(withMissing, 5);
  const { train, test: held } = splitByEpisodes(withMissing, 0.2, 1);
  assert.equal(train.length + held.length, 200);
  for (const i of [...train, ...held]) assert.equal(missing[i], 0);
  assert.ok(held.length > 10 && held.length < 80, `${held.length} held out`);
});

test("weighted updates report the weighted loss and the ESS; a warm training step allocates nothing", () => {
  const rng = new Rng(8);
  const data = toyDataset(256, 2, 1, rng, { next: (s, a) => [s[0]! + a[0]!, s[1]!] });
  const model = DiffusionWorldModel.fromDataset(data, SMALL, 1);
  const batch = allocateBatch(data, 256);
  batch.observations.set(data.observations);
  batch.actions.set(data.actions);
  batch.nextObservations.set(data.nextObservations);
  const weights = new Float32Array(256).map((_, i) => (i % 2 === 0 ? 1 : 3));
  const metrics = model.update(batch, weights);
  for (const key of ["loss/diffusion", "loss/reward", "loss/terminal", "weights/ess"]) assert.ok(Number.isFinite(metrics[key]), key);
  assert.ok(Math.abs(metrics["weights/ess"]! - (256 * 256 * 4) / (128 * 10)) < 1e-6 * 256);
  model.update(batch, weights);
  const before = poolStats().allocations;
  for (let t = 0; t < 5; t++) model.update(batch, weights);
  assert.equal(poolStats().allocations, before, "pool allocations during warm steps");
  const warm = poolStats().allocations;
  model.step(data.observations, data.actions, 256, new Rng(1));
  model.step(data.observations, data.actions, 256, new Rng(1));
  assert.ok(poolStats().allocations - warm < 40, "sampling reuses the pool after the first call");
});

test("setSampling changes how the model samples, not what it learned: without clip, states leave the data's range", () => {
  const rng = new Rng(11);
  const data = toyDataset(400, 2, 1, rng, { next: (s, a) => [s[0]! + a[0]!, s[1]!] });
  const model = DiffusionWorldModel.fromDataset(data, { ...SMALL, denoisingSteps: 3 }, 4);
  model.fit(data, 5); // barely trained: its samples spread far beyond the data
  const { min, max } = model.stats.nextObservations;
  const outside = (): number => {
    const { nextObservations: s } = model.step(data.observations, data.actions, 400, new Rng(5));
    let n = 0;
    for (let i = 0; i < s.length; i++) if (s[i]! < min[i % 2]! - 1e-6 || s[i]! > max[i % 2]! + 1e-6) n++;
    return n;
  };
  const learned = (): number[][] => model.ddpm.parameters().map((p) => Array.from(p.data));
  const weights = learned();
  assert.equal(outside(), 0, "clipped (the paper)");
  model.setSampling({ clip: false });
  assert.ok(outside() > 40, "unclipped: many generated values outside the range");
  assert.deepEqual(learned(), weights, "nothing learned changed");
  assert.throws(() => model.setSampling({ guidance: "x" as never }), /guidance/);
});
