// Each agent learns the contextual bandit of toy.ts from a fixed dataset, in seconds:
// offline RL agents end far better than the data's (uniform random) behaviour and near the
// optimum; behaviour cloning instead matches its demonstrator.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BC } from "../../src/agents/bc.js";
import { IQL } from "../../src/agents/iql.js";
import { SAC } from "../../src/agents/sac.js";
import { TD3BC } from "../../src/agents/td3bc.js";
import { A, banditBuffer, banditReturn, optimalAction, RANDOM_RETURN, S, trainOn } from "./toy.js";

const small = { hiddenWidth: 64, lr: 1e-3 };

describe("agents learn the contextual bandit from random data", () => {
  const data = banditBuffer(4096, 11);

  it("IQL ends far above the behaviour policy", () => {
    // A high expectile and temperature make IQL's policy close to the data's best actions
    // (CORL's 0.7 / 3 are tuned for D4RL; with uniform data they improve less per step).
    const agent = new IQL(S, A, { ...small, expectile: 0.9, beta: 10, actorLrSchedule: "constant" }, 1);
    trainOn(agent, data, 2000);
    const ret = banditReturn(agent);
    assert.ok(ret > RANDOM_RETURN / 4, `IQL return ${ret.toFixed(3)} vs random ${RANDOM_RETURN.toFixed(3)}`);
  });

  it("IQL with a deterministic actor (CORL's iql_deterministic) ends far above the behaviour policy", () => {
    const agent = new IQL(S, A, { ...small, expectile: 0.9, beta: 10, actorLrSchedule: "constant", deterministicActor: true }, 1);
    trainOn(agent, data, 2000);
    const ret = banditReturn(agent);
    assert.ok(ret > RANDOM_RETURN / 4, `IQL (deterministic) return ${ret.toFixed(3)} vs random ${RANDOM_RETURN.toFixed(3)}`);
    assert.throws(() => agent.logProb(new Float32Array(S), new Float32Array(A), 1), /Gaussian actor/);
  });

  it("SAC reaches the optimum (the data covers every action)", () => {
    const agent = new SAC(S, A, { hiddenWidth: 64, actorLr: 1e-3, criticLr: 1e-3, alphaLr: 1e-3 }, 1);
    trainOn(agent, data, 1500);
    const ret = banditReturn(agent);
    assert.ok(ret > RANDOM_RETURN / 20, `SAC return ${ret.toFixed(3)} vs random ${RANDOM_RETURN.toFixed(3)}`);
  });

  it("TD3+BC ends far above the behaviour policy", () => {
    // The BC term pulls toward the data's mean action (0); α sets how far Q can pull away.
    const agent = new TD3BC(S, A, { ...small, alpha: 10 }, 1);
    trainOn(agent, data, 1500);
    const ret = banditReturn(agent);
    assert.ok(ret > RANDOM_RETURN / 10, `TD3+BC return ${ret.toFixed(3)} vs random ${RANDOM_RETURN.toFixed(3)}`);
  });
});

describe("behaviour cloning matches its demonstrator", () => {
  // Demonstrator: a = clip(0.5·s₀ − 0.3·s₁ + N(0, 0.05²)), not the optimal policy.
  const demo = (s: Float32Array, i: number, j: number, rng: { normal(): number }): number =>
    Math.max(-1, Math.min(1, (j === 0 ? 0.5 : -0.3) * s[i * S]! + 0.2 * s[i * S + 1]! + 0.05 * rng.normal()));
  const data = banditBuffer(4096, 12, demo);

  for (const policy of ["deterministic", "gaussian"] as const)
    it(`${policy} BC imitates the demonstrator`, () => {
      const agent = new BC(S, A, { ...small, policy }, 1);
      trainOn(agent, data, 1500);
      const s = new Float32Array(200 * S).map((_, i) => Math.sin(7 * i));
      const a = agent.act(s, 200, true);
      let err = 0;
      for (let i = 0; i < 200; i++) for (let j = 0; j < A; j++) err += (a[i * A + j]! - demo(s, i, j, { normal: () => 0 })) ** 2;
      err /= 200;
      assert.ok(err < 0.01, `BC squared error to the demonstrator ${err.toFixed(4)}`);
      // and it is not the optimum: it copies the demonstrator's mistakes
      let gap = 0;
      for (let i = 0; i < 200; i++) for (let j = 0; j < A; j++) gap += (a[i * A + j]! - optimalAction(s, i, j)) ** 2;
      assert.ok(gap / 200 > 0.1);
    });

  it("Gaussian BC's log-probs are highest at the demonstrator's actions", () => {
    const agent = new BC(S, A, { ...small, policy: "gaussian" }, 1);
    trainOn(agent, data, 1500);
    const s = new Float32Array([0.5, -0.5, 0.5, -0.5]);
    const a = new Float32Array([0.5 * 0.5 - 0.1, -0.3 * 0.5 - 0.1, 0.9, -0.9]);
    const lp = agent.logProb(s, a, 2);
    assert.ok(lp[0]! > lp[1]! + 5, `log-probs ${lp[0]} vs ${lp[1]}`);
  });
});
