// Every op's gradient against central finite differences, on every kernel set
// (the TypeScript oracle and the native addon), plus composed losses.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DiagGaussian, TanhGaussian } from "../../src/distributions/gaussian.js";
import { LayerNorm, Linear, MLP, ResidualMLP } from "../../src/nn/layers.js";
import { availableKernels, setKernels } from "../../src/tensor/backend.js";
import { ACTIVATIONS } from "../../src/tensor/kernels.js";
import * as op from "../../src/tensor/ops.js";
import { gradOf, needsGrad, record, Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { checkGradients, leaf } from "../helpers.js";

const KINKS = [0]; // keep relu/abs/clamp inputs away from their kinks

describe("the gradient checker", () => {
  it("rejects a wrong backward", () => {
    // y = x² with a backward that forgets the factor 2
    const wrongSquare = (x: Tensor): Tensor => {
      const out = Tensor.empty(x.rows, x.cols);
      for (let i = 0; i < x.size; i++) out.data[i] = x.data[i]! ** 2;
      if (needsGrad(x))
        record(out, () => {
          const g = gradOf(x);
          for (let i = 0; i < x.size; i++) g[i]! += out.grad![i]! * x.data[i]!;
        });
      return out;
    };
    assert.throws(() => checkGradients("wrong", [leaf(2, 3, new Rng(2), 0.5, 1)], (x) => wrongSquare(x!)), /finite-difference/);
  });
});

for (const K of availableKernels()) {
  describe(`gradients (${K.name} kernels)`, () => {
    const rng = new Rng(1);
    const use = () => setKernels(K);

    it("matmul, all four transpose cases", () => {
      use();
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = ta ? leaf(4, 3, rng) : leaf(3, 4, rng);
        const b = tb ? leaf(5, 4, rng) : leaf(4, 5, rng);
        checkGradients(`matmul(${ta},${tb})`, [a, b], (x, y) => op.matmul(x!, y!, ta, tb));
      }
    });

    it("linear with every activation, with and without bias", () => {
      use();
      for (const act of ACTIVATIONS) {
        const x = leaf(5, 3, rng),
          w = leaf(3, 4, rng),
          b = leaf(1, 4, rng);
        checkGradients(`linear(act ${act})`, [x, w, b], (p, q, r) => op.linear(p!, q!, r!, act));
        checkGradients(`linear(no bias, act ${act})`, [x, w], (p, q) => op.linear(p!, q!, null, act));
      }
    });

    it("broadcasting binary ops", () => {
      use();
      const shapes: [number, number][] = [
        [3, 4],
        [1, 4],
        [3, 1],
        [1, 1],
      ];
      for (const [name, f] of [
        ["add", op.add],
        ["sub", op.sub],
        ["mul", op.mul],
        ["div", op.div],
        ["minimum", op.minimum],
        ["maximum", op.maximum],
      ] as const)
        for (const [br, bc] of shapes) {
          const a = leaf(3, 4, rng);
          const b = name === "div" ? leaf(br, bc, rng, 0.5, 2) : leaf(br, bc, rng);
          checkGradients(`${name} [3,4]∘[${br},${bc}]`, [a, b], (x, y) => f(x!, y!));
          checkGradients(`${name} [${br},${bc}]∘[3,4]`, [b, a], (x, y) => f(x!, y!));
        }
    });

    it("where", () => {
      use();
      const mask = new Tensor(3, 4);
      for (let i = 0; i < mask.size; i++) mask.data[i] = i % 3 === 0 ? 1 : 0;
      checkGradients("where", [leaf(3, 4, rng), leaf(3, 1, rng)], (a, b) => op.where(mask, a!, b!));
    });

    it("unary ops", () => {
      use();
      const cases: [string, (x: Tensor) => Tensor, number, number, number[]][] = [
        ["neg", op.neg, -1, 1, []],
        ["addScalar", (x) => op.addScalar(x, 0.3), -1, 1, []],
        ["scale", (x) => op.scale(x, -1.7), -1, 1, []],
        ["exp", op.exp, -1, 1, []],
        ["log", op.log, 0.3, 2, []],
        ["tanh", op.tanh, -2, 2, []],
        ["atanh", op.atanh, -0.8, 0.8, []],
        ["relu", op.relu, -1, 1, KINKS],
        ["sigmoid", op.sigmoid, -3, 3, []],
        ["softplus", op.softplus, -3, 3, []],
        ["silu", op.silu, -3, 3, []],
        ["mish", op.mish, -3, 3, []],
        ["square", op.square, -2, 2, []],
        ["sqrt", op.sqrt, 0.3, 2, []],
        ["abs", op.abs, -1, 1, KINKS],
        ["clamp", (x) => op.clamp(x, -0.5, 0.5), -1, 1, [-0.5, 0.5]],
      ];
      for (const [name, f, lo, hi, avoid] of cases) checkGradients(name, [leaf(3, 5, rng, lo, hi, avoid)], (x) => f(x!));
    });

    it("reductions", () => {
      use();
      const x = leaf(4, 5, rng);
      checkGradients("sum", [x], (a) => op.sum(a!));
      checkGradients("sum rows", [x], (a) => op.sum(a!, 0));
      checkGradients("sum cols", [x], (a) => op.sum(a!, 1));
      checkGradients("mean", [x], (a) => op.mean(a!));
      checkGradients("mean rows", [x], (a) => op.mean(a!, 0));
      checkGradients("mean cols", [x], (a) => op.mean(a!, 1));
      checkGradients("logsumexp", [leaf(4, 5, rng, -3, 3)], (a) => op.logsumexp(a!));
    });

    it("structure: concat, slice, gather", () => {
      use();
      checkGradients("concatCols", [leaf(3, 2, rng), leaf(3, 4, rng), leaf(3, 1, rng)], (a, b, c) => op.concatCols([a!, b!, c!]));
      checkGradients("sliceCols", [leaf(3, 6, rng)], (a) => op.sliceCols(a!, 1, 4));
      checkGradients("gatherRows (repeated)", [leaf(4, 3, rng)], (a) => op.gatherRows(a!, [2, 0, 2, 3, 2]));
    });

    it("layerNorm, with and without affine", () => {
      use();
      checkGradients("layerNorm", [leaf(3, 6, rng, -2, 2), leaf(1, 6, rng, 0.5, 1.5), leaf(1, 6, rng)], (x, g, b) =>
        op.layerNorm(x!, g!, b!),
      );
      checkGradients("layerNorm plain", [leaf(3, 6, rng, -2, 2)], (x) => op.layerNorm(x!, null, null));
    });

    it("composed: MLP regression loss (plain, LayerNorm and residual)", () => {
      use();
      const x = leaf(6, 3, rng),
        y = leaf(6, 2, rng);
      for (const net of [
        new MLP(3, 2, { hidden: [8, 8], activation: "tanh" }, rng),
        new MLP(3, 2, { hidden: [8], activation: "mish", layerNorm: true }, rng),
        new ResidualMLP(3, 2, { width: 8, depth: 2, activation: "silu" }, rng),
      ]) {
        const params = net.parameters();
        checkGradients("mse(MLP)", [x, ...params], () => op.mean(op.square(op.sub(net.forward(x), y))), { maxPerInput: 8 });
      }
    });

    it("composed: Gaussian log-likelihood", () => {
      use();
      const net = new Linear(3, 2, rng);
      const logStd = leaf(1, 2, rng, -0.5, 0.5);
      const s = leaf(5, 3, rng),
        a = leaf(5, 2, rng);
      checkGradients("gaussian nll", [s, logStd, ...net.parameters()], (st, ls) =>
        op.mean(new DiagGaussian(net.forward(st!), ls!).logProb(a)),
      );
      checkGradients("gaussian entropy", [logStd], (ls) => new DiagGaussian(new Tensor(1, 2), ls!).entropy());
    });

    it("composed: tanh-Gaussian reparameterized objective", () => {
      use();
      const mean = leaf(4, 2, rng, -0.5, 0.5),
        logStd = leaf(4, 2, rng, -1, 0);
      const norm = new LayerNorm(2);
      // E[α log π(a|s) − Q(a)] with Q(a) = −‖a − 0.3‖²; the same noise seed on every evaluation.
      checkGradients("tanh-gaussian objective", [mean, logStd, ...norm.parameters()], (m, ls) => {
        const { action, logProb } = new TanhGaussian(norm.forward(m!), ls!).rsample(new Rng(3));
        const q = op.neg(op.sum(op.square(op.addScalar(action, -0.3)), 1));
        return op.sub(op.scale(logProb, 0.2), q);
      });
      const a = leaf(4, 2, rng, -0.9, 0.9);
      checkGradients("tanh-gaussian logProb", [mean, logStd], (m, ls) => new TanhGaussian(m!, ls!).logProb(a));
    });
  });
}
