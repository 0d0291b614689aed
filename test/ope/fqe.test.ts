// FQE against the truth: on Pendulum-v1 (whose policy values we simulate exactly), FQE trained
// on uniformly random logged actions must rank four policies of spread quality as the
// simulator does, and land near their true discounted returns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareOpeData } from "../../src/ope/data.js";
import { fqe } from "../../src/ope/fqe.js";
import { PENDULUM_POLICIES, pendulumDataset, trueValue } from "./_pendulum.js";

const discount = 0.95;

describe("FQE on the pendulum", () => {
  it("ranks policies as the simulator does and estimates their values", async () => {
    const dataset = await pendulumDataset(300, 100, 1);
    const data = prepareOpeData(dataset, 0.1, 0);
    const policies = Object.values(PENDULUM_POLICIES);
    const truth: number[] = [];
    const estimates: number[] = [];
    for (const [k, policy] of policies.entries()) {
      truth.push(await trueValue(policy, discount, 100, 150));
      const r = fqe(
        data,
        policy,
        { fqeSteps: 4000, fqeCritics: 1, fqeWidth: 64, fqeLr: 1e-3, fqeTargetEvery: 50, discount, bootstrapSamples: 500 },
        k,
      );
      estimates.push(r.estimate);
      assert.ok(r.low <= r.estimate && r.estimate <= r.high, `interval [${r.low}, ${r.high}] holds ${r.estimate}`);
      assert.ok(Number.isFinite(r.heldOutTdRmse) && r.heldOutTdRmse > 0);
    }
    const order = (v: number[]) => v.map((_, i) => i).sort((a, b) => v[b]! - v[a]!);
    assert.deepEqual(order(estimates), order(truth), `estimates ${estimates} vs truth ${truth}`);
    // Within 15 % of the true discounted return (measured: 1–10 %).
    for (const [k, t] of truth.entries())
      assert.ok(Math.abs(estimates[k]! - t) < 0.15 * Math.abs(t), `policy ${k}: ${estimates[k]} vs ${t}`);
  });
});
