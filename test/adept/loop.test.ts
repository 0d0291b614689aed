// ADEPT end to end on the contextual bandit: the full loop runs (pretraining, importance-sampled
// updates, rollouts, mixed batches), every logged term is finite, and the policy improves on its start.
import assert from "node:assert/strict";
import { it } from "node:test";
import { resolveAdeptConfig } from "../../src/adept/config.js";
import { AdeptLearner } from "../../src/adept/learner.js";
import { banditData, banditReturn, RANDOM_RETURN } from "../agents/toy.js";

it("adept-iql runs the whole loop with finite terms and improves its policy", async () => {
  const data = banditData(4000, 1);
  const config = {
    hiddenWidth: 64,
    lr: 1e-3,
    expectile: 0.9,
    beta: 10,
    actorLrSchedule: "constant",
    wmPretrainSteps: 300,
    wmWidth: 64,
    wmDepth: 2,
    wmDenoisingSteps: 5,
    iterationSteps: 250,
    wmStepsPerIteration: 10,
    isBatchSize: 256,
    rolloutCount: 256,
    horizon: 3,
    gapSamples: 256,
  };
  const learner = AdeptLearner.create("adept-iql", data, resolveAdeptConfig("adept-iql", config), 3, 256, { progress: false });
  const before = banditReturn(learner.agent);
  const logged: Record<string, number>[] = [];
  for (let t = 0; t < 1500; t++) logged.push(learner.step());
  logged.push(await learner.diagnostics());
  logged.push(await learner.diagnostics()); // the second one also has ε_π
  const keys = new Set(logged.flatMap((m) => Object.keys(m)));
  for (const key of [
    "wm/ess",
    "wm/is_loss",
    "model/rollout_length",
    "model/buffer_size",
    "gap/eps_r",
    "gap/eps_m",
    "gap/eps_pi",
    "loss/q",
    "loss/actor",
  ])
    assert.ok(keys.has(key), `logged ${key}`);
  for (const m of logged) for (const [k, v] of Object.entries(m)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  const after = banditReturn(learner.agent);
  assert.ok(after > before + 0.3 && after > RANDOM_RETURN / 3, `return before ${before.toFixed(3)}, after ${after.toFixed(3)}`);
});
