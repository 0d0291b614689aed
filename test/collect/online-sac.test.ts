// Online SAC solves a small control task: a 1-D point mass driven to the origin.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { type OnlineEnv, trainOnlineSAC } from "../../src/collect/online-sac.js";
import { Rng } from "../../src/util/rng.js";

/**
 * x′ = x + 0.1·v, v′ = 0.9·v + 0.2·a; r = −x² − 0.01·a²; 40 steps; x₀ ~ U(±1), v₀ = 0.
 * Doing nothing earns about −40·E[x₀²] ≈ −13; driving x to 0 quickly earns about −2.
 */
class PointMass implements OnlineEnv {
  readonly spec = { observationSpace: { dim: 2 }, actionSpace: { dim: 1 } };
  private readonly obs = new Float32Array(2);
  private rng = new Rng(0);
  private t = 0;

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.obs[0] = 2 * this.rng.uniform() - 1;
    this.obs[1] = 0;
    this.t = 0;
    return this.obs;
  }

  step(action: Float32Array) {
    const a = Math.max(-1, Math.min(1, action[0]!));
    const [x, v] = [this.obs[0]!, this.obs[1]!];
    this.obs[0] = x + 0.1 * v;
    this.obs[1] = 0.9 * v + 0.2 * a;
    this.t++;
    return { observation: this.obs, reward: -(this.obs[0]! ** 2) - 0.01 * a * a, terminated: false, truncated: this.t >= 40 };
  }

  close(): void {}
}

it("online SAC drives a point mass to the origin", async () => {
  const out = mkdtempSync(join(tmpdir(), "adept-osac-"));
  try {
    const result = await trainOnlineSAC({
      task: "point-mass",
      makeEnv: async () => new PointMass(),
      out,
      seed: 1,
      totalSteps: 4000,
      warmupSteps: 500,
      batchSize: 128,
      evalEvery: 1000,
      evalEpisodes: 10,
      snapshotEvery: 2000,
      checkpointEvery: 2000,
      sac: { hiddenWidth: 64, actorLr: 1e-3, criticLr: 1e-3, alphaLr: 1e-3 },
      progress: false,
    });
    const [first, last] = [result.evaluations[0]![1], result.evaluations.at(-1)![1]];
    assert.ok(last > -4, `final return ${last.toFixed(2)} (first evaluation ${first.toFixed(2)}; doing nothing ≈ −13)`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it("online SAC resumes from its checkpoint", async () => {
  const out = mkdtempSync(join(tmpdir(), "adept-osac-resume-"));
  try {
    const options = {
      task: "point-mass",
      makeEnv: async () => new PointMass(),
      out,
      seed: 2,
      warmupSteps: 100,
      batchSize: 32,
      evalEvery: 100,
      evalEpisodes: 2,
      snapshotEvery: 100,
      checkpointEvery: 100,
      sac: { hiddenWidth: 16 },
      progress: false,
    };
    await trainOnlineSAC({ ...options, totalSteps: 200 });
    const resumed = await trainOnlineSAC({ ...options, totalSteps: 300, resume: true });
    assert.equal(resumed.envSteps, 300);
    assert.equal(resumed.evaluations.length, 3);
    // Carried without its replay buffer (too large to commit), a run still continues.
    rmSync(join(out, "buffer.bin"));
    const carried = await trainOnlineSAC({ ...options, totalSteps: 400, resume: true });
    assert.equal(carried.envSteps, 400);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
