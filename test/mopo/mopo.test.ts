// MOPO (Yu et al. 2020): the ensemble's elites and uncertainty, the penalized reward of the
// rollouts, and the whole learner on the contextual bandit: it must learn.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rolloutInModel } from "../../src/adept/rollouts.js";
import { ReplayBuffer } from "../../src/data/replay.js";
import { GaussianEnsembleWorldModel } from "../../src/diffusion/ensemble.js";
import type { WorldModel, WorldModelStep } from "../../src/diffusion/types.js";
import { mopoTaskSettings } from "../../src/mopo/config.js";
import { MopoLearner } from "../../src/mopo/learner.js";
import { noGrad, poolStats, Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { A, banditData, banditReturn, RANDOM_RETURN, S } from "../agents/toy.js";

const SMALL_SAC = { hiddenWidth: 64, actorLr: 1e-3, criticLr: 1e-3, alphaLr: 1e-3 };

describe("mopo", () => {
  it("learns the contextual bandit from random data", async () => {
    const data = banditData(4000, 1);
    const config = {
      ...SMALL_SAC,
      modelSteps: 1500,
      modelWidth: 64,
      modelDepth: 2,
      penalty: 0.5,
      rolloutLength: 1,
      rolloutCount: 1000,
      iterationSteps: 250,
    };
    const learner = MopoLearner.create(data, config, 3, 256, { dataset: "bandit (memory)", progress: false });
    assert.equal(learner.worldModel.elites.length, 5);
    const before = banditReturn(learner.agent);
    const logged: Record<string, number>[] = [];
    for (let t = 0; t < 1500; t++) logged.push(learner.step());
    const keys = new Set(logged.flatMap((m) => Object.keys(m)));
    for (const key of ["model/penalty_mean", "model/uncertainty_mean", "model/buffer_size", "loss/q", "loss/actor"])
      assert.ok(keys.has(key), `logged ${key}`);
    for (const m of logged) for (const [k, v] of Object.entries(m)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
    assert.ok(logged[0]!["model/penalty_mean"]! > 0, "the penalty is applied");
    const after = banditReturn(learner.agent);
    assert.ok(after > before + 0.3 && after > RANDOM_RETURN / 4, `return before ${before.toFixed(3)}, after ${after.toFixed(3)}`);
  });

  it("keeps the members with the lowest held-out error as elites, saved with the model", () => {
    const data = banditData(2000, 2);
    const model = GaussianEnsembleWorldModel.fromDataset(data.dataset, { width: 32, depth: 2, members: 4, elites: 2 }, 5);
    model.fit(data.dataset, 300);
    // Ruin members 1 and 2: their means become far off, so they must not be elites.
    for (const e of [1, 2]) for (const p of model.ensemble.members[e]!.parameters()) p.data.fill(3);
    const rows = Int32Array.from({ length: 500 }, (_, i) => i);
    const mse = model.selectElites(data.dataset, rows);
    assert.deepEqual(model.elites, [0, 3], `elites of errors ${mse.map((v) => v.toFixed(3)).join(", ")}`);
    const path = `${process.env.TMPDIR ?? "/tmp"}/mopo-elites-${process.pid}.safetensors`;
    model.save(path);
    assert.deepEqual(GaussianEnsembleWorldModel.load(path).elites, [0, 3]);
  });

  it("reports u(s, a) = max over every member of ‖σ‖₂ in raw units of (Δs, r)", () => {
    const data = banditData(1000, 3);
    const model = GaussianEnsembleWorldModel.fromDataset(data.dataset, { width: 32, depth: 2, members: 3, elites: 1 }, 7);
    model.fit(data.dataset, 50);
    const n = 64,
      rng = new Rng(8);
    const s = new Float32Array(n * S),
      a = new Float32Array(n * A);
    rng.fillUniform(s, -1, 1);
    rng.fillUniform(a, -1, 1);
    const u = model.step(s, a, n, new Rng(9)).uncertainties!;
    // The same from the members' heads, by hand.
    const st = model.stats;
    const x = new Tensor(n, S + A);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < S; j++) x.data[i * (S + A) + j] = (s[i * S + j]! - st.observations.mean[j]!) / st.observations.std[j]!;
      for (let j = 0; j < A; j++) x.data[i * (S + A) + S + j] = (a[i * A + j]! - st.actions.mean[j]!) / st.actions.std[j]!;
    }
    const scale = [...st.deltas.std, ...st.rewards.std];
    for (let i = 0; i < n; i++) {
      let expected = 0;
      for (let e = 0; e < 3; e++) {
        const { logVar } = noGrad(() => model.ensemble.forward(e, x));
        let norm2 = 0;
        for (let j = 0; j <= S; j++) norm2 += Math.exp(logVar.data[i * (S + 1) + j]!) * scale[j]! ** 2;
        expected = Math.max(expected, Math.sqrt(norm2));
      }
      assert.ok(Math.abs(u[i]! - expected) < 1e-4 * Math.max(1, expected), `row ${i}: u ${u[i]} vs ${expected}`);
    }
  });

  it("rollouts subtract λ·u from the model reward, then scale it", () => {
    // A world model with known rewards and uncertainties: r̂ = 1 + s₀, u = 0.5 + |a₀|.
    const stub: WorldModel = {
      kind: "stub",
      observationDim: S,
      actionDim: A,
      updates: 0,
      update: () => ({}),
      save: () => {},
      step(o: Float32Array, a: Float32Array, n: number): WorldModelStep {
        const out = {
          nextObservations: o.slice(0, n * S),
          rewards: new Float32Array(n),
          doneProbabilities: new Float32Array(n),
          terminals: new Uint8Array(n),
          uncertainties: new Float32Array(n),
        };
        for (let i = 0; i < n; i++) {
          out.rewards[i] = 1 + o[i * S]!;
          out.uncertainties[i] = 0.5 + Math.abs(a[i * A]!);
        }
        return out;
      },
    };
    const data = banditData(100, 4);
    const agent = MopoLearner.create(data, { ...SMALL_SAC, modelSteps: 0, penalty: 0.5, rolloutLength: 1 }, 0, 16, {
      dataset: "memory",
      progress: false,
    }).agent;
    const buffer = new ReplayBuffer({ observationDim: S, actionDim: A, capacity: 64 });
    const stats = rolloutInModel({
      worldModel: stub,
      agent,
      dataset: data.dataset,
      startRows: Int32Array.from({ length: 100 }, (_, i) => i),
      count: 64,
      horizon: 1,
      normalizer: data.normalizer,
      rewardScale: 2,
      buffer,
      rng: new Rng(1),
      terminals: "threshold",
      rewardPenalty: 0.5,
    });
    assert.equal(buffer.size, 64);
    const batch = buffer.state();
    for (let i = 0; i < 64; i++) {
      const s0 = batch.observations[i * S]! * data.stats.observations.std[0]! + data.stats.observations.mean[0]!;
      const expected = 2 * (1 + s0 - 0.5 * (0.5 + Math.abs(batch.actions[i * A]!)));
      assert.ok(Math.abs(batch.rewards[i]! - expected) < 1e-4, `row ${i}: reward ${batch.rewards[i]} vs ${expected}`);
    }
    assert.ok(Math.abs(stats.meanPenalty - 0.5 * stats.meanUncertainty) < 1e-6);
  });

  it("rollouts whose batch shrinks by random terminations at every step do not grow the tensor pool", () => {
    // Every policy call and model step sees one fixed chunk size, so the pool (buffers kept by
    // length) holds the same memory after the first rollout batch however many rows remain.
    const data = banditData(2000, 5);
    const model = GaussianEnsembleWorldModel.fromDataset(data.dataset, { width: 32, depth: 2, members: 3 }, 1);
    const agent = MopoLearner.create(data, { ...SMALL_SAC, modelSteps: 0, penalty: 0, rolloutLength: 1 }, 0, 16, {
      dataset: "memory",
      progress: false,
    }).agent;
    const buffer = new ReplayBuffer({ observationDim: S, actionDim: A, capacity: 10_000 });
    const rows = Int32Array.from({ length: 2000 }, (_, i) => i);
    const rollout = (seed: number): void => {
      // P(done) from an untrained terminal model is ≈ 0.5: about half the rows end at each step.
      rolloutInModel({
        worldModel: model,
        agent,
        dataset: data.dataset,
        startRows: rows,
        count: 1500,
        horizon: 6,
        normalizer: data.normalizer,
        rewardScale: 1,
        buffer,
        rng: new Rng(seed),
        terminals: "sample",
      });
    };
    rollout(1);
    const held = poolStats().heldFloats;
    for (let seed = 2; seed < 6; seed++) rollout(seed);
    assert.equal(poolStats().heldFloats, held, "pooled floats after more rollouts of other lengths");
  });

  it("takes MOPO's λ and h for a known dataset, and asks for them otherwise", () => {
    assert.deepEqual(mopoTaskSettings({ penalty: -1, rolloutLength: 0 }, "hopper-random"), {
      penalty: 1,
      rolloutLength: 5,
      from: "MOPO's setting for hopper-random",
    });
    assert.equal(mopoTaskSettings({ penalty: -1, rolloutLength: 0 }, "/data/walker2d_random-v2.hdf5").rolloutLength, 1);
    assert.equal(mopoTaskSettings({ penalty: 2, rolloutLength: 0 }, ".cache/adept/datasets/halfcheetah-random.hdf5").penalty, 2);
    assert.throws(() => mopoTaskSettings({ penalty: -1, rolloutLength: 3 }, "mine.hdf5"), /pass --penalty and --rollout-length/);
  });
});
