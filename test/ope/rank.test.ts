// Spearman's ρ and regret@1, the figures of the OPE validation (bench/ope-validation.ts),
// against values worked by hand (and by scipy.stats.spearmanr for the tied case).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ranks, regretAt1, spearman } from "../../src/ope/rank.js";

describe("rank figures", () => {
  it("ranks ties by their mean rank", () => {
    assert.deepEqual(ranks([10, 30, 20, 30]), [1, 3.5, 2, 3.5]);
    assert.deepEqual(ranks([5, 5, 5]), [2, 2, 2]);
  });

  it("Spearman is 1 for any increasing map, −1 for a decreasing one, and handles ties", () => {
    const x = [0.1, 4, -2, 7, 3];
    assert.equal(
      spearman(
        x,
        x.map((v) => Math.exp(v)),
      ),
      1,
    );
    assert.ok(
      Math.abs(
        spearman(
          x,
          x.map((v) => -(v ** 3)),
        ) + 1,
      ) < 1e-12,
    );
    // One swap among five: ρ = 1 − 6·2/(5·24) = 0.9.
    assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]) - 0.9) < 1e-12);
    // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic = 0.9486832980505139
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 3, 2, 4]) - 0.9486832980505139) < 1e-12);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
    assert.throws(() => spearman([1, 2], [1]), /2 values against 1/);
  });

  it("regret@1 is the true score lost by trusting the estimate's first pick", () => {
    const truth = [10, 50, 30];
    assert.equal(regretAt1([0.1, 0.9, 0.5], truth), 0);
    assert.equal(regretAt1([0.9, 0.1, 0.5], truth), 40);
    assert.equal(regretAt1([0.7, 0.7, 0.2], truth), 40); // a tie picks the first of them
  });
});
