// Backend dispatch: OpenBLAS's core type corrected on load, a broken library falling back
// with a notice, forced backends and precisions that cannot run failing in one line, bf16
// products as bf16 operands with fp32 sums, and Adam passing NaN and ±Inf on like PyTorch.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MLP } from "../../src/nn/layers.js";
import { Adam } from "../../src/nn/optim.js";
import { availableKernels, setKernels } from "../../src/tensor/backend.js";
import { loadAddon, threads } from "../../src/tensor/native.js";
import { mean, square, sub } from "../../src/tensor/ops.js";
import { precision, setPrecision } from "../../src/tensor/precision.js";
import { backward, scope, Tensor } from "../../src/tensor/tensor.js";
import { tsKernels } from "../../src/tensor/ts-kernels.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose, repoRoot } from "../helpers.js";

const addon = loadAddon();
const info = addon?.info();
/** The addon's kernels, even where ADEPT_KERNELS=ts makes the TypeScript ones the default. */
const native = availableKernels().at(-1)!;
const skip = addon ? false : "the native addon is not built";
/** bf16 runs in this process: oneDNN with bf16 hardware, and no other backend forced. */
const bf16Skip = !info?.onednn.bf16
  ? "no bf16 backend on this machine"
  : (process.env.ADEPT_SGEMM ?? "onednn") !== "onednn" || process.env.ADEPT_KERNELS === "ts"
    ? "another backend is forced"
    : false;

/** A fresh process's backend and OpenBLAS state (after running `code`), and its stderr, with `env` added. */
function probe(
  env: Record<string, string>,
  code = "",
): { status: number | null; backend?: string; openblas?: Record<string, unknown>; stderr: string } {
  const script = `const t = await import(${JSON.stringify(join(repoRoot(), "dist/src/tensor/index.js"))});
${code}
const a = t.loadAddon();
console.log(JSON.stringify({ backend: a.backend(), openblas: a.info().openblas }));`;
  const base = { ...process.env };
  for (const k of ["ADEPT_SGEMM", "ADEPT_KERNELS", "ADEPT_PRECISION", "ADEPT_NO_OPENBLAS", "ADEPT_NO_ONEDNN", "ADEPT_OPENBLAS_CORETYPE"])
    delete base[k];
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...base, ...env } });
  const last = r.stdout.trim().split("\n").at(-1);
  return { status: r.status, stderr: r.stderr, ...(r.status === 0 && last ? JSON.parse(last) : {}) };
}

describe("backend dispatch", { skip }, () => {
  const wantCore = info?.isa.includes("avx512")
    ? /^(SkylakeX|Cooperlake|SapphireRapids)$/
    : info?.isa.includes("avx2")
      ? /^(Haswell|Zen|SkylakeX|Cooperlake|SapphireRapids)$/
      : /./;

  it("replaces an OpenBLAS core too weak for this CPU, and says so", {
    skip: info?.openblas.loaded ? false : "OpenBLAS is not installed",
  }, () => {
    const p = probe({ OPENBLAS_CORETYPE: "Prescott" });
    assert.equal(p.openblas?.detectedCore, "Prescott");
    if (info!.isa.includes("avx2")) {
      assert.match(String(p.openblas?.core), wantCore);
      assert.equal(p.openblas?.coreForced, true);
    }
  });

  it("keeps the core ADEPT_OPENBLAS_CORETYPE names", { skip: info?.openblas.loaded ? false : "OpenBLAS is not installed" }, () => {
    const p = probe({ ADEPT_OPENBLAS_CORETYPE: "Prescott", OPENBLAS_CORETYPE: "" });
    assert.equal(p.openblas?.core, "Prescott");
    assert.equal(p.openblas?.coreForced, false);
  });

  it("falls back from a library that fails to load with a one-line notice", () => {
    const dir = mkdtempSync(join(tmpdir(), "adept-broken-"));
    try {
      // Found first on LD_LIBRARY_PATH, under every name the loader tries.
      for (const name of ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"]) writeFileSync(join(dir, name), "not a library");
      const p = probe({ LD_LIBRARY_PATH: dir });
      assert.notEqual(p.backend, "openblas");
      const lines = p.stderr.trim().split("\n");
      assert.equal(lines.length, 1, p.stderr);
      assert.match(lines[0]!, /^adept: openblas backend unavailable \(.*libopenblas\.so\.0.*\); trying the next$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs the portable kernel where neither library is there", () => {
    const p = probe({ ADEPT_NO_OPENBLAS: "1", ADEPT_NO_ONEDNN: "1" });
    assert.equal(p.backend, info!.portable);
    assert.equal(p.stderr, "");
  });

  it("refuses a forced backend that cannot run, naming the choices", () => {
    const unknown = probe({ ADEPT_SGEMM: "mkl" });
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /ADEPT_SGEMM="mkl" is not a backend \(choices: openblas, onednn, portable-avx512/);
    const missing = probe({ ADEPT_SGEMM: "openblas", ADEPT_NO_OPENBLAS: "1" });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /ADEPT_SGEMM=openblas cannot run here: disabled by ADEPT_NO_OPENBLAS=1/);
  });

  it("gives the same fp32 products on OpenBLAS at any thread count", {
    skip: info?.openblas.loaded ? false : "OpenBLAS is not installed",
  }, () => {
    const rng = new Rng(3);
    const a = new Float32Array(256 * 300),
      b = new Float32Array(256 * 7);
    rng.fillUniform(a, -1, 1);
    rng.fillUniform(b, -1, 1);
    const before = addon!.backend();
    const results = [1, 2, 4].map((t) => {
      addon!.setBackend("openblas");
      addon!.setThreads(t);
      const c = new Float32Array(300 * 7);
      native.sgemm(true, false, 300, 7, 256, 1, a, b, 0, c);
      return c;
    });
    addon!.setThreads(1);
    addon!.setBackend(before);
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
  });

  // The portable kernels split a large product among the pool's threads (native/pool.c),
  // by rows of C or, where C is wider than tall, by columns; each element is still summed
  // by one thread in one order, so every bit is the same at any thread count.
  /** Puts back a backend as `addon.backend()` named it ("onednn/bf16": oneDNN in bf16). */
  const restore = (name: string): void => {
    addon!.setBackend(name.replace("/bf16", ""));
    if (name.endsWith("/bf16")) addon!.setPrecision(true);
  };
  const chosen = addon?.backend();
  const portables = addon
    ? (["portable-avx512", "portable-avx2", "portable-generic"] as const).filter((b) => addon.setBackend(b) === "")
    : [];
  if (chosen) restore(chosen);
  for (const backend of portables)
    it(`gives the same fp32 products on ${backend} at 1, 2 and 3 threads, split by rows and by columns`, () => {
      const before = addon!.backend();
      const rng = new Rng(12);
      const calls = (): number => addon!.info().pool.parallelCalls;
      const calls0 = calls();
      try {
        assert.equal(addon!.setBackend(backend), "");
        for (const [m, n, k] of [
          [256, 256, 256], // rows
          [301, 130, 259], // rows, edges of every block size
          [17, 700, 300], // columns
          [40, 1100, 70], // columns across the 1024-wide block
        ] as const)
          for (const ta of [false, true])
            for (const tb of [false, true]) {
              const a = new Float32Array(m * k),
                b = new Float32Array(k * n),
                c0 = new Float32Array(m * n);
              rng.fillUniform(a, -1, 1);
              rng.fillUniform(b, -1, 1);
              rng.fillUniform(c0, -1, 1);
              const [one, ...more] = [1, 2, 3].map((t) => {
                addon!.setThreads(t);
                const c = c0.slice();
                native.sgemm(ta, tb, m, n, k, 0.5, a, b, 0.25, c);
                return c;
              });
              const what = `${backend} ${m}x${n}x${k} ${ta}/${tb}`;
              for (const c of more) assert.deepEqual(new Uint32Array(c!.buffer), new Uint32Array(one!.buffer), what);
              const want = c0.slice();
              tsKernels.sgemm(ta, tb, m, n, k, 0.5, a, b, 0.25, want);
              assertClose(more[0]!, want, 1e-4, 1e-4, what);
            }
        // 4 shapes × 4 transpose cases × 2 and 3 threads: each was split (none fell back to one thread).
        assert.equal(calls() - calls0, 32, "products that ran on more than one thread");
        // A small product stays on the calling thread.
        addon!.setThreads(2);
        const small = calls();
        native.sgemm(false, false, 64, 64, 64, 1, new Float32Array(64 * 64), new Float32Array(64 * 64), 0, new Float32Array(64 * 64));
        assert.equal(calls(), small);
      } finally {
        addon!.setThreads(threads());
        restore(before);
      }
    });
});

/** x rounded to bfloat16 (nearest, ties to even), as a number. */
function bf16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = ((u[0]! + 0x7fff + ((u[0]! >>> 16) & 1)) >>> 16) << 16;
  return f[0]!;
}

describe("precision", () => {
  it("rejects an unknown precision naming the choices", () => {
    assert.throws(() => setPrecision("fp16"), /unknown precision "fp16" \(choices: fp32, bf16\)/);
  });

  it("refuses bf16 on the TypeScript kernels", () => {
    const previous = setKernels(tsKernels);
    try {
      assert.throws(() => setPrecision("bf16"), /bf16 needs the native addon's onednn backend.*\(choices: fp32\)/);
    } finally {
      setKernels(previous);
    }
  });

  it("refuses bf16 where ADEPT_SGEMM forced a backend without it", { skip }, () => {
    const p = probe({ ADEPT_SGEMM: "portable-generic" }, 't.setPrecision("bf16");');
    assert.notEqual(p.status, 0);
    assert.match(
      p.stderr,
      /precision bf16 runs on the onednn backend only, and ADEPT_SGEMM=portable-generic \(choices: fp32, or ADEPT_SGEMM=onednn\)/,
    );
  });

  it("takes ADEPT_PRECISION=bf16 from the environment", { skip: info?.onednn.bf16 ? false : "no bf16 backend on this machine" }, () => {
    const p = probe({ ADEPT_PRECISION: "bf16" }, "t.kernels();");
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.backend, "onednn/bf16");
  });

  it("says in one line that it runs fp32 where the CPU has no bf16", {
    skip: info && !info.onednn.bf16 ? false : "this machine runs bf16",
  }, () => {
    assert.match(setPrecision("bf16") ?? "", /^precision bf16 unavailable: .*; running fp32$/);
    assert.equal(precision(), "fp32");
  });

  it("multiplies bf16-rounded operands with fp32 sums, then returns to the fp32 backend", {
    skip: bf16Skip,
  }, () => {
    const before = addon!.backend();
    const rng = new Rng(11);
    const [m, n, k] = [37, 70, 300];
    const a = new Float32Array(m * k),
      b = new Float32Array(k * n);
    rng.fillUniform(a, -1, 1);
    rng.fillUniform(b, -1, 1);
    assert.equal(setPrecision("bf16"), null);
    try {
      assert.equal(precision(), "bf16");
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const got = new Float32Array(m * n).fill(1);
        native.sgemm(ta, tb, m, n, k, 0.5, a, b, 1, got);
        const want = new Float32Array(m * n).fill(1);
        tsKernels.sgemm(ta, tb, m, n, k, 0.5, a.map(bf16), b.map(bf16), 1, want);
        assertClose(got, want, 1e-4, 1e-4, `bf16 sgemm ${ta}/${tb}`);
        const fp32 = new Float32Array(m * n).fill(1);
        tsKernels.sgemm(ta, tb, m, n, k, 0.5, a, b, 1, fp32);
        assert.ok(
          got.some((v, i) => Math.abs(v - fp32[i]!) > 1e-3),
          "bf16 products equal fp32 ones: operands were not rounded",
        );
      }
    } finally {
      setPrecision("fp32");
    }
    assert.equal(addon!.backend(), before);
  });

  it("trains the same network in bf16 to the fp32 loss", { skip: bf16Skip }, () => {
    const fit = (p: "fp32" | "bf16"): number => {
      setPrecision(p);
      try {
        const rng = new Rng(4);
        const x = new Tensor(256, 2);
        rng.fillUniform(x.data, -1, 1);
        const y = new Tensor(256, 1);
        for (let i = 0; i < 256; i++) y.data[i] = Math.sin(3 * x.data[2 * i]!) * x.data[2 * i + 1]!;
        const net = new MLP(2, 1, { hidden: [64, 64], activation: "relu" }, rng);
        const opt = new Adam(net.parameters(), { lr: 3e-3 });
        let loss = 0;
        for (let s = 0; s < 400; s++)
          loss = scope(() => {
            const l = mean(square(sub(net.forward(x), y)));
            opt.zeroGrad();
            backward(l);
            opt.step();
            return l.item();
          });
        return loss;
      } finally {
        setPrecision("fp32");
      }
    };
    const fp32 = fit("fp32"),
      bf = fit("bf16");
    assert.ok(fp32 < 0.02, `fp32 did not fit (${fp32})`);
    assert.ok(bf < 1.5 * fp32 + 0.002, `bf16 loss ${bf} vs fp32 ${fp32}`);
  });
});

describe("adam on non-finite gradients (as torch.optim.Adam)", () => {
  for (const K of availableKernels())
    it(`${K.name}: a NaN gradient makes NaN state and parameter; +Inf makes m, v infinite and the parameter NaN`, () => {
      const p = new Float32Array([0.5, 0.5, 0.5, 0.5]),
        m = new Float32Array(4),
        v = new Float32Array(4);
      const g = new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]);
      K.adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0, 0.1, 0.001);
      assert.ok(Number.isNaN(p[0]) && Number.isNaN(m[0]) && Number.isNaN(v[0]), `NaN: ${p[0]} ${m[0]} ${v[0]}`);
      assert.equal(m[1], Number.POSITIVE_INFINITY);
      assert.equal(v[1], Number.POSITIVE_INFINITY);
      assert.ok(Number.isNaN(p[1]), `+Inf: p ${p[1]}`);
      assert.equal(m[2], Number.NEGATIVE_INFINITY);
      assert.equal(v[2], Number.POSITIVE_INFINITY);
      assert.ok(Number.isNaN(p[2]), `-Inf: p ${p[2]}`);
      assert.ok(Number.isFinite(p[3]) && p[3]! < 0.5);
      // A NaN parameter stays NaN through later finite steps, as in PyTorch.
      K.adam(p, new Float32Array([1, 1, 1, 1]), m, v, 1e-3, 0.9, 0.999, 1e-8, 0, 0.19, 0.002);
      assert.ok(Number.isNaN(p[0]) && Number.isNaN(p[1]) && Number.isNaN(p[2]));
    });

  it("native Adam rounds like float32 arithmetic in PyTorch's order: no approximate sqrt or division", { skip }, () => {
    // Emulates each float32 operation of native/kernels.c's adam_loop with Math.fround
    // (exact: a double result of +, −, ×, ÷ or √ on floats rounds to the float one). An
    // approximate reciprocal or square root (fast-math), or a contraction into an FMA,
    // would differ in the last bits of some of the 4096 values.
    const f = Math.fround;
    const rng = new Rng(8);
    const n = 4096;
    const p0 = new Float32Array(n),
      g = new Float32Array(n),
      m0 = new Float32Array(n),
      v0 = new Float32Array(n);
    rng.fillUniform(p0, -1, 1);
    rng.fillNormal(g);
    rng.fillNormal(m0);
    for (let i = 0; i < n; i++) v0[i] = f((m0[i]! * m0[i]!) / 3 + 1e-6);
    const [lr, b1, b2, eps, wd, bc1, bc2] = [3e-4, 0.9, 0.999, 1e-8, 0.01, 1 - 0.9 ** 7, 1 - 0.999 ** 7];
    const [decay, b1f, c1, b2f, c2, negStep, sqrtBc2, epsf] = [1 - lr * wd, b1, 1 - b1, b2, 1 - b2, -lr / bc1, Math.sqrt(bc2), eps].map(
      f,
    ) as number[];
    const p = p0.slice(),
      m = m0.slice(),
      v = v0.slice();
    availableKernels().at(-1)!.adam(p, g, m, v, lr, b1, b2, eps, wd, bc1, bc2);
    for (let i = 0; i < n; i++) {
      const mi = f(f(b1f! * m0[i]!) + f(c1! * g[i]!));
      const vi = f(f(b2f! * v0[i]!) + f(f(c2! * g[i]!) * g[i]!));
      const den = f(f(f(Math.sqrt(vi)) / sqrtBc2!) + epsf!);
      const pi = f(f(decay! * p0[i]!) + f(f(negStep! * mi) / den));
      assert.equal(m[i], mi, `m[${i}]`);
      assert.equal(v[i], vi, `v[${i}]`);
      assert.equal(p[i], pi, `p[${i}]`);
    }
  });
});
