// Dataset building from committed behaviour policies: medium and medium-replay come out
// D4RL-shaped, with log-probs of the behaviour policy, and rebuild bit for bit.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SAC } from "../../src/agents/sac.js";
import { BehaviourPolicy, saveBehaviourPolicy } from "../../src/collect/behaviour.js";
import { buildDataset } from "../../src/collect/build.js";
import { publishPolicies } from "../../src/collect/publish.js";
import { verifyLogProbs } from "../../src/collect/verify.js";
import { loadDataset } from "../../src/data/load.js";
import { noGrad, scope, Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose } from "../helpers.js";

describe("adept data build from behaviour policies", () => {
  const dir = mkdtempSync(join(tmpdir(), "adept-build-"));
  const previous = process.env.ADEPT_POLICIES;
  before(() => {
    process.env.ADEPT_POLICIES = join(dir, "policies");
    // A fake online-SAC run: snapshots at 1000 and 2000 steps, "medium" at 3000.
    const run = join(dir, "run");
    mkdirSync(join(run, "snapshots"), { recursive: true });
    for (const step of [1000, 2000, 3000]) {
      const agent = new SAC(11, 3, { hiddenWidth: 16 }, step);
      const info = { task: "hopper", steps: step, seed: 0, command: "test" };
      saveBehaviourPolicy(join(run, "snapshots", `step-${step}.safetensors`), agent, info);
      if (step === 3000) saveBehaviourPolicy(join(run, "final-policy.safetensors"), agent, { ...info, score: 1 });
    }
    publishPolicies(run, {
      task: "hopper",
      seed: 0,
      steps: 3000,
      score: 1,
      targetScore: 1,
      snapshotEvery: 1000,
      warmupSteps: 500,
      command: "test",
    });
  });
  after(() => {
    if (previous === undefined) delete process.env.ADEPT_POLICIES;
    else process.env.ADEPT_POLICIES = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes policies with a manifest", () => {
    const manifest = JSON.parse(readFileSync(join(dir, "policies", "manifest.json"), "utf8"));
    assert.deepEqual(manifest.hopper.snapshots, [
      "hopper/step-1000.safetensors",
      "hopper/step-2000.safetensors",
      "hopper/step-3000.safetensors",
    ]);
    assert.equal(manifest.hopper.medium, "hopper/medium.safetensors");
  });

  it("medium: stochastic actions of the medium policy with their log-probs; same seed, same file content", async () => {
    const a = await buildDataset("hopper-medium", { size: 400, seed: 3, out: join(dir, "m1.hdf5") });
    await buildDataset("hopper-medium", { size: 400, seed: 3, out: join(dir, "m2.hdf5") });
    const [d1, d2] = [await loadDataset(join(dir, "m1.hdf5")), await loadDataset(join(dir, "m2.hdf5"))];
    assert.equal(d1.size, 400);
    assert.deepEqual(d1.observations, d2.observations);
    assert.deepEqual(d1.actionLogProbs, d2.actionLogProbs);
    assert.equal(d1.metadata.dataset_id, "hopper-medium");
    // recorded log-probs are the policy's density of the recorded actions
    const policy = BehaviourPolicy.load(join(dir, "policies", "hopper", "medium.safetensors"), new Rng(0));
    const recomputed = scope(() =>
      noGrad(() =>
        Array.from(
          policy.actor.distribution(new Tensor(20, 11, d1.observations.slice(0, 220))).logProb(new Tensor(20, 3, d1.actions.slice(0, 60)))
            .data,
        ),
      ),
    );
    assertClose(recomputed, Array.from(a.dataset.actionLogProbs!.slice(0, 20)), 1e-3, 1e-2, "log-probs");
  });

  it("medium-replay: random warm-up then the snapshots, in order", async () => {
    const { dataset } = await buildDataset("hopper-medium-replay", { seed: 1, out: join(dir, "r.hdf5") });
    assert.equal(dataset.size, 3000); // the replay is as long as training up to the medium policy
    const uniform = -3 * Math.LN2;
    assertClose([dataset.actionLogProbs![0]!], [uniform], 1e-6, 1e-6, "warm-up log-density");
    assert.notEqual(dataset.actionLogProbs![2999], uniform);
  });

  it("verify: recorded log-probs match each segment's policy; a tampered file or a retrained policy is caught", async () => {
    const replay = await loadDataset(join(dir, "r.hdf5"));
    const ok = verifyLogProbs(replay, "r.hdf5", { sample: 3000 });
    assert.equal(ok.mismatches, 0);
    assert.ok(ok.checked > 2900, `checked ${ok.checked}`);
    // warm-up [0, 500), step-1000 for [500, 2000), step-2000 for [2000, 3000); step-3000 is the medium policy itself
    assert.deepEqual(ok.policies, ["uniform", "hopper/step-1000.safetensors", "hopper/step-2000.safetensors"]);
    const medium = await loadDataset(join(dir, "m1.hdf5"));
    assert.equal(verifyLogProbs(medium, "m1.hdf5").mismatches, 0);

    // rows 2000.. were taken by step-2000's snapshot: log-probs of another policy must not pass
    const tampered = { ...replay, actionLogProbs: replay.actionLogProbs!.slice() };
    for (let row = 2100; row < 2200; row++) tampered.actionLogProbs[row]! += 0.05;
    const bad = verifyLogProbs(tampered, "tampered.hdf5", { sample: 3000 });
    assert.equal(bad.mismatches, 100);
    assert.ok(bad.worst && bad.worst.row >= 2100 && bad.worst.row < 2200);

    const retrained = { ...medium, metadata: { ...medium.metadata, policy_steps: 999 } };
    assert.throws(() => verifyLogProbs(retrained, "old.hdf5"), /old\.hdf5: built from a hopper policy of 999 steps.*3000/);
  });
});
