// The native kernels against the TypeScript oracle, on every backend that runs here, on
// shapes that exercise the portable kernels' block edges (sizes not multiples of their
// 4/6/12-row panels, 8/16/32-wide panels and 96/256/1024 blocks).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACTIVATIONS, Activation, activationByName, activationName, type Kernels } from "../../src/tensor/kernels.js";
import { loadAddon, NATIVE_BACKENDS, nativeKernels } from "../../src/tensor/native.js";
import { tsKernels } from "../../src/tensor/ts-kernels.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose } from "../helpers.js";

const native = nativeKernels();
const addon = loadAddon();
/** The backend chosen at load, before any test switches it. */
const chosen = addon?.backend();
/** The backends that run on this machine. */
const runnable = addon ? NATIVE_BACKENDS.filter((b) => addon.setBackend(b) === "") : [];
if (addon && chosen) addon.setBackend(chosen);

function random(n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n);
  rng.fillUniform(x, -1, 1);
  return x;
}

/** sgemm of the current backend against the oracle on awkward shapes. */
function sgemmMatchesOracle(K: Kernels, rng: Rng, what: string): void {
  for (const [m, n, k] of [
    [1, 1, 1],
    [7, 5, 3],
    [67, 130, 259],
    [256, 17, 23],
    [5, 600, 70],
    [13, 1100, 9],
    [256, 1, 256],
  ] as const)
    for (const ta of [false, true])
      for (const tb of [false, true])
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
        ] as const) {
          const a = random(m * k, rng),
            b = random(k * n, rng),
            c0 = random(m * n, rng);
          const expected = c0.slice(),
            actual = c0.slice();
          tsKernels.sgemm(ta, tb, m, n, k, alpha, a, b, beta, expected);
          K.sgemm(ta, tb, m, n, k, alpha, a, b, beta, actual);
          assertClose(actual, expected, 1e-4, 1e-4, `${what} sgemm ${m}x${n}x${k} ${ta}/${tb} α${alpha} β${beta}`);
        }
}

describe("native kernels", { skip: native ? false : "the native addon is not built" }, () => {
  const K = native!;
  const rng = new Rng(5);
  /** Runs `fn` on `backend`, then restores the chosen one. */
  const on = (backend: string, fn: () => void): void => {
    assert.equal(addon!.setBackend(backend), "");
    try {
      fn();
    } finally {
      addon!.setBackend(chosen!);
    }
  };

  it("uses the sgemm path that CI asked for", () => {
    const expected = process.env.ADEPT_EXPECT_SGEMM;
    if (expected) assert.equal(chosen, expected);
  });

  it("runs the generic portable kernel on every CPU, and the best one this CPU has", () => {
    assert.ok(runnable.includes("portable-generic"));
    assert.ok((runnable as string[]).includes(addon!.info().portable));
  });

  for (const backend of runnable)
    it(`sgemm on ${backend} matches the oracle for every transpose case, alpha and beta`, () =>
      on(backend, () => sgemmMatchesOracle(K, rng, backend)));

  it("sgemm with beta 0 ignores NaN in C, on every backend", () => {
    for (const backend of runnable)
      on(backend, () => {
        const c = new Float32Array(4).fill(Number.NaN);
        K.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), new Float32Array([1, 0, 0, 1]), 0, c);
        assert.deepEqual(Array.from(c), [1, 2, 3, 4], backend);
      });
  });

  it("rejects operands smaller than their shapes", () => {
    assert.throws(() => K.sgemm(false, false, 3, 3, 3, 1, new Float32Array(8), new Float32Array(9), 0, new Float32Array(9)), /smaller/);
    assert.throws(
      () => K.sgemm(false, false, 1, 1, 1, 1, [1] as unknown as Float32Array, new Float32Array(1), 0, new Float32Array(1)),
      /Float32Array/,
    );
  });

  it("fused bias+activation, its backward and column sums match the oracle", () => {
    const rows = 13,
      cols = 37;
    for (const act of ACTIVATIONS) {
      const z0 = random(rows * cols, rng),
        bias = random(cols, rng),
        dy = random(rows * cols, rng),
        acc0 = random(rows * cols, rng);
      const [zt, yt, zn, yn] = [z0.slice(), new Float32Array(rows * cols), z0.slice(), new Float32Array(rows * cols)];
      tsKernels.biasActivation(zt, yt, bias, rows, cols, act);
      K.biasActivation(zn, yn, bias, rows, cols, act);
      assertClose(zn, zt, 1e-6, 1e-6, `bias (act ${act})`);
      assertClose(yn, yt, 1e-5, 1e-6, `activation ${act}`);
      for (const accumulate of [false, true]) {
        const [dt, dn] = [acc0.slice(), acc0.slice()];
        tsKernels.activationBackward(dt, dy, zt, yt, rows * cols, act, accumulate);
        K.activationBackward(dn, dy, zn, yn, rows * cols, act, accumulate);
        assertClose(dn, dt, 1e-5, 1e-6, `activation backward ${act} (accumulate ${accumulate})`);
      }
    }
    const x = random(rows * cols, rng),
      o0 = random(cols, rng);
    const [ot, on] = [o0.slice(), o0.slice()];
    tsKernels.columnSum(ot, x, rows, cols, 0.5);
    K.columnSum(on, x, rows, cols, 0.5);
    assertClose(on, ot, 1e-5, 1e-6, "columnSum");
  });

  it("every activation has a config name; softplus is exact at the ends of its range", () => {
    for (const act of ACTIVATIONS) assert.equal(activationByName(activationName(act)), act);
    const z = Float32Array.from([-Infinity, -100, -30, -20.5, -1e-3, 0, 1e-3, 20.5, 30, 100, Infinity]);
    const exact = (v: number) => (v === Infinity ? v : Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    for (const [name, kernels] of [["ts", tsKernels], ...(native ? [["native", native] as const] : [])] as const) {
      const y = new Float32Array(z.length),
        dz = new Float32Array(z.length);
      const input = z.slice();
      kernels.biasActivation(input, y, null, 1, z.length, Activation.Softplus);
      assert.deepEqual(input, z, `${name}: z is not written without a bias`);
      kernels.activationBackward(dz, new Float32Array(z.length).fill(1), z, y, z.length, Activation.Softplus, false);
      z.forEach((v, i) => {
        const want = exact(v);
        assert.ok(y[i] === Math.fround(want) || Math.abs(y[i]! - want) <= 2e-7 * want, `${name}: softplus(${v}) = ${y[i]}, want ${want}`);
        assert.ok(Math.abs(dz[i]! - sigmoid(v)) <= 1e-7, `${name}: softplus′(${v}) = ${dz[i]}, want ${sigmoid(v)}`);
      });
    }
  });

  it("bias+activation and its backward in place (y = z, dz = dy) match the out-of-place oracle", () => {
    const rows = 9,
      cols = 70;
    for (const act of [Activation.Identity, Activation.Relu, Activation.Tanh, Activation.Sigmoid]) {
      const z0 = random(rows * cols, rng),
        bias = random(cols, rng),
        dy = random(rows * cols, rng);
      const [zt, yt] = [z0.slice(), new Float32Array(rows * cols)];
      tsKernels.biasActivation(zt, yt, bias, rows, cols, act);
      const zn = z0.slice();
      K.biasActivation(zn, zn, bias, rows, cols, act);
      assertClose(zn, yt, 1e-5, 1e-6, `in-place activation ${act}`);
      const dt = new Float32Array(rows * cols);
      tsKernels.activationBackward(dt, dy, zt, yt, rows * cols, act, false);
      const dn = dy.slice();
      K.activationBackward(dn, dn, zn, zn, rows * cols, act, false);
      assertClose(dn, dt, 1e-5, 1e-6, `in-place activation backward ${act}`);
    }
  });

  it("adam, polyak and sumSquares match the oracle", () => {
    const n = 1001;
    const p = random(n, rng),
      g = random(n, rng),
      m = random(n, rng),
      v = random(n, rng).map(Math.abs);
    const t = [p.slice(), m.slice(), v.slice()] as const;
    const q = [p.slice(), m.slice(), v.slice()] as const;
    tsKernels.adam(t[0], g, t[1], t[2], 1e-3, 0.9, 0.999, 1e-8, 0.01, 0.19, 0.002);
    K.adam(q[0], g, q[1], q[2], 1e-3, 0.9, 0.999, 1e-8, 0.01, 0.19, 0.002);
    for (let i = 0; i < 3; i++) assertClose(q[i]!, t[i]!, 1e-5, 1e-7, `adam state ${i}`);
    const [pt, pn] = [p.slice(), p.slice()];
    tsKernels.polyak(pt, g, 0.005);
    K.polyak(pn, g, 0.005);
    assertClose(pn, pt, 1e-6, 1e-7, "polyak");
    assertClose([K.sumSquares(g)], [tsKernels.sumSquares(g)], 1e-9, 0, "sumSquares");
  });
});
