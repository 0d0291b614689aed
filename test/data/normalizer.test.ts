import assert from "node:assert/strict";
import { test } from "node:test";
import { corlRewardScale, DataError, datasetStats, featureStats, Normalizer, statsFromJson, statsToJson } from "../../src/data/index.js";
import { syntheticDataset } from "./_fixtures.js";

test("featureStats: per-dimension mean, std + eps (population), min, max", () => {
  const data = Float32Array.of(1, 10, 3, 20, 5, 60); // [3, 2]
  const s = featureStats(data, 2, 1e-3);
  assert.deepEqual(s.mean, [3, 30]);
  assert.ok(Math.abs(s.std[0]! - (Math.sqrt(8 / 3) + 1e-3)) < 1e-12);
  assert.ok(Math.abs(s.std[1]! - (Math.sqrt(1400 / 3) + 1e-3)) < 1e-9);
  assert.deepEqual(s.min, [1, 10]);
  assert.deepEqual(s.max, [5, 60]);
  // A constant dimension gets std = eps, never 0.
  assert.equal(featureStats(Float32Array.of(2, 2, 2), 1, 1e-3).std[0], 1e-3);
});

test("Normalizer: normalize ∘ denormalize is the identity; clip bounds to [min, max]", () => {
  const s = featureStats(Float32Array.of(1, 10, 3, 20, 5, 60), 2);
  const n = new Normalizer(s);
  const x = Float32Array.of(3, 30, 7, -5);
  const z = n.normalize(x.slice());
  assert.ok(Math.abs(z[0]!) < 1e-6 && Math.abs(z[1]!) < 1e-6);
  const back = n.denormalize(z);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 1e-4);
  assert.deepEqual(Array.from(n.clip(Float32Array.of(0, 100, 4, 15))), [1, 60, 4, 15]);
  assert.throws(() => n.normalize(new Float32Array(3)), /do not form rows of 2/);
});

test("CORL reward scale: 1000 / (max − min episode return) over complete episodes", () => {
  const d = syntheticDataset(1, 10, 2, 1); // episode 1: rows 0-4 terminal; episode 2: rows 5-9 timeout
  d.rewards.set([1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
  assert.equal(corlRewardScale(d), 1000 / (15 - 5));
  d.rewards.fill(1);
  assert.throws(() => corlRewardScale(d), DataError);
});

test("dataset statistics: CORL scaling on locomotion tasks only; JSON round trip", () => {
  const d = syntheticDataset(2, 20, 3, 2);
  assert.equal(datasetStats(d).rewardScale, 1);
  d.task = "hopper";
  const stats = datasetStats(d);
  assert.equal(stats.rewardScale, corlRewardScale(d));
  assert.equal(stats.eps, 1e-3);
  assert.equal(stats.observations.mean.length, 3);
  assert.deepEqual(statsFromJson(statsToJson(stats)), stats);
  assert.throws(() => statsFromJson('{"version":2}'), /unsupported version 2/);
  assert.throws(() => statsFromJson(JSON.stringify({ ...stats, actions: { mean: [1] } })), /"actions"/);
});
