// Batched evaluation, and the random policy against D4RL's random reference scores.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BatchPolicy, Evaluator, evaluate, makeEnv, meanPopulationStd, randomPolicy, resolveEnv } from "../../src/envs/index.js";
import { Rng } from "../../src/util/rng.js";

/** A deterministic policy whose action for a row depends on that row only: a = tanh(W·obs). */
function linearPolicy(obsDim: number, actDim: number, seed: number): BatchPolicy {
  const rng = new Rng(seed);
  const w = new Float64Array(obsDim * actDim);
  rng.fillNormal(w, 0, 0.3);
  let out = new Float32Array(0);
  return (obs, n) => {
    if (out.length < n * actDim) out = new Float32Array(n * actDim);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < actDim; j++) {
        let s = 0;
        for (let i = 0; i < obsDim; i++) s += (w[j * obsDim + i] as number) * (obs[r * obsDim + i] as number);
        out[r * actDim + j] = Math.tanh(s);
      }
    }
    return out;
  };
}

describe("batched evaluation", () => {
  test("one policy call per step on the running rows; episodes end independently", async () => {
    const calls: number[] = [];
    const inner = linearPolicy(11, 3, 1);
    const policy: BatchPolicy = (obs, n) => {
      calls.push(n);
      return inner(obs, n);
    };
    const result = await evaluate(policy, "hopper-medium-v2", { episodes: 7, seed: 3, numEnvs: 3 });
    assert.equal(result.returns.length, 7);
    assert.equal(result.task, "hopper");
    assert.equal(result.env, "hopper-medium-v2");
    assert.ok(calls.every((n) => n >= 1 && n <= 3));
    assert.equal(calls[0], 3);
    // Every step of every episode was one row of one call.
    assert.equal(
      calls.reduce((a, b) => a + b, 0),
      result.lengths.reduce((a, b) => a + b, 0),
    );
    assert.ok(new Set(result.lengths).size > 1, `lengths ${result.lengths}`);
    assert.ok(result.terminated.every((t, i) => t === (result.lengths[i] as number) < 1000));
    const normalized = meanPopulationStd(result.returns.map((g) => (100 * (g + 20.272305)) / (3234.3 + 20.272305)));
    assert.ok(Math.abs(result.normalized!.mean - normalized.mean) < 1e-9 && Math.abs(result.normalized!.std - normalized.std) < 1e-9);
  });

  test("returns depend on (seed, episode) only: N = 1, 4, 10 and a hand-written loop agree", async () => {
    const episodes = 6;
    const policy = (): BatchPolicy => linearPolicy(17, 6, 2);
    const results = await Promise.all([1, 4, 10].map((numEnvs) => evaluate(policy(), "walker2d", { episodes, seed: 11, numEnvs })));
    for (const r of results.slice(1)) {
      assert.deepEqual(r.returns, results[0]?.returns);
      assert.deepEqual(r.lengths, results[0]?.lengths);
    }
    // By hand: episode i resets with the i-th draw of Rng(seed).
    const env = await makeEnv("walker2d");
    try {
      const seeds = new Rng(11);
      const act = policy();
      for (let i = 0; i < episodes; i++) {
        let obs = env.reset(seeds.nextUint32());
        let total = 0;
        let length = 0;
        for (;;) {
          const r = env.step(act(obs, 1));
          total += r.reward;
          length++;
          obs = r.observation;
          if (r.terminated || r.truncated) break;
        }
        assert.equal(total, results[0]?.returns[i]);
        assert.equal(length, results[0]?.lengths[i]);
      }
    } finally {
      env.close();
    }
  });

  test("an Evaluator is reusable, and a bad policy output is rejected", async () => {
    const evaluator = await Evaluator.create("hopper", 2);
    try {
      const policy = randomPolicy(evaluator.envs[0]?.spec.actionSpace ?? assert.fail(), new Rng(0));
      const a = evaluator.run(policy, { episodes: 3, seed: 1 });
      const b = evaluator.run(policy, { episodes: 3, seed: 1 });
      assert.equal(a.returns.length, 3);
      assert.notDeepEqual(a.returns, b.returns, "the random policy's stream continues");
      assert.throws(() => evaluator.run(() => new Float32Array(1), { episodes: 1, seed: 0 }), /policy returned 1 values/);
      assert.throws(() => evaluator.run(policy, { episodes: 0, seed: 0 }), /episodes/);
    } finally {
      evaluator.close();
    }
  });
});

// D4RL's "random" reference score is the mean return of a uniformly random policy. Our mean
// over n episodes has standard error s/√n; the reference's own count is unstated, so we
// assume 100 episodes (Minari's default for ref_min_score) and allow 4 combined standard
// errors: z = |ours − ref| / (s·√(1/n + 1/100)) ≤ 4. A physics or reward bug (e.g. a wrong
// ctrl weight, frame skip or sign) moves the mean by far more than that.
const Z_MAX = 4;
const REFERENCE_EPISODES = 100;

async function randomPolicyZ(task: string, episodes: number): Promise<{ mean: number; sd: number; z: number; reference: number }> {
  const { referenceScores } = resolveEnv(task);
  const probe = await makeEnv(task); // for its action space only
  const spec = probe.spec;
  probe.close();
  const result = await evaluate(randomPolicy(spec.actionSpace, new Rng(123)), task, { episodes, seed: 2024, numEnvs: 10 });
  const { mean } = result.return;
  const sd = result.return.std * Math.sqrt(episodes / (episodes - 1)); // sample sd
  const z = Math.abs(mean - referenceScores!.random) / (sd * Math.sqrt(1 / episodes + 1 / REFERENCE_EPISODES));
  return { mean, sd, z, reference: referenceScores!.random };
}

describe("uniform random policy vs D4RL's random reference score", () => {
  for (const [task, episodes] of [
    ["halfcheetah", 30],
    ["walker2d", 300],
  ] as const) {
    test(`${task}: mean return within ${Z_MAX} standard errors of the reference`, async (t) => {
      const { mean, sd, z, reference } = await randomPolicyZ(task, episodes);
      t.diagnostic(`${task}: mean ${mean.toFixed(2)} (sd ${sd.toFixed(2)}, n ${episodes}) vs ${reference}: z ${z.toFixed(2)}`);
      assert.ok(z <= Z_MAX, `${task}: mean ${mean.toFixed(2)} (sd ${sd.toFixed(2)}, n ${episodes}) vs ${reference}: z ${z.toFixed(2)}`);
    });
  }

  // NOTE(deviation): on MuJoCo 3.3 (and on the reference model, which ours matches bitwise)
  // a uniformly random hopper earns +18.3 ± 0.55 (1000 episodes, SE), while D4RL's reference
  // is −20.27. Walker2d and halfcheetah agree, and the hopper reward and termination are
  // pinned by the semantics tests, so we report it (docs/envs.md) rather than tune to it.
  test("hopper: mean return within 4 standard errors of D4RL's −20.27", {
    todo: "D4RL's hopper random score is not reproduced: see docs/envs.md",
  }, async () => {
    const { mean, z } = await randomPolicyZ("hopper", 300);
    assert.ok(z <= Z_MAX, `hopper: mean ${mean.toFixed(2)}, z ${z.toFixed(2)}`);
  });

  test("hopper: mean return stays at our measured +18.3 (regression pin, 4 SE)", async (t) => {
    const { mean, sd } = await randomPolicyZ("hopper", 300);
    const se = sd * Math.sqrt(1 / 300 + 1 / 1000);
    t.diagnostic(`hopper: mean ${mean.toFixed(2)} (sd ${sd.toFixed(2)}, n 300)`);
    assert.ok(Math.abs(mean - 18.28) <= Z_MAX * se, `hopper: mean ${mean.toFixed(2)} vs 18.28 ± ${se.toFixed(2)}`);
  });
});
