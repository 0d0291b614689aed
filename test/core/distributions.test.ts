// Distribution values against closed forms computed independently in float64.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DiagGaussian, TanhGaussian } from "../../src/distributions/gaussian.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose } from "../helpers.js";

const normalLogPdf = (x: number, mu: number, sigma: number): number =>
  -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);

describe("distributions", () => {
  const mean = Tensor.from([
    [0.3, -1.2],
    [2.0, 0.1],
  ]);
  const logStd = Tensor.from([[-0.5, 0.4]]);
  const sigma = [Math.exp(-0.5), Math.exp(0.4)];

  it("DiagGaussian: log-prob, entropy and sample moments", () => {
    const x = Tensor.from([
      [0.1, 0.5],
      [1.5, -0.7],
    ]);
    const lp = new DiagGaussian(mean, logStd).logProb(x);
    const expected = [0, 1].map((i) => [0, 1].reduce((acc, j) => acc + normalLogPdf(x.at(i, j), mean.at(i, j), sigma[j]!), 0));
    assertClose(lp.data, expected, 1e-5, 1e-5, "logProb");
    const h = new DiagGaussian(mean, logStd).entropy();
    assertClose(h.data, [sigma.reduce((acc, s) => acc + 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(s), 0)], 1e-6, 1e-6, "entropy");
    const big = new Tensor(4000, 2);
    const samples = new DiagGaussian(big, logStd).rsample(new Rng(1));
    for (let j = 0; j < 2; j++) {
      let v = 0;
      for (let i = 0; i < 4000; i++) v += samples.at(i, j) ** 2;
      assert.ok(Math.abs(Math.sqrt(v / 4000) - sigma[j]!) < 0.05 * sigma[j]!, `sample std of dim ${j}`);
    }
  });

  it("TanhGaussian: log-prob with the change of variables, consistent between rsample and logProb", () => {
    const dist = new TanhGaussian(mean, logStd);
    const { action, logProb } = dist.rsample(new Rng(2));
    for (let i = 0; i < 2; i++) {
      let expected = 0;
      for (let j = 0; j < 2; j++) {
        const a = action.at(i, j);
        const u = Math.atanh(a);
        expected += normalLogPdf(u, mean.at(i, j), sigma[j]!) - Math.log(1 - a * a);
      }
      assertClose([logProb.at(i, 0)], [expected], 1e-3, 1e-3, `rsample logProb row ${i}`);
    }
    assertClose(dist.logProb(action).data, logProb.data, 1e-3, 1e-3, "logProb(action) = rsample's logProb");
    // Saturated means concentrate the density near ±1: the log-density grows, it does not fall.
    const wide = new TanhGaussian(Tensor.from([[6, -6]]), Tensor.from([[0, 0]]));
    const narrow = new TanhGaussian(Tensor.from([[0, 0]]), Tensor.from([[0, 0]]));
    assert.ok(wide.rsample(new Rng(3)).logProb.item() > narrow.rsample(new Rng(3)).logProb.item());
  });
});
