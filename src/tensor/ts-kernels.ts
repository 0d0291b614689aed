/**
 * The pure-TypeScript kernels: the oracle that the native kernels are tested against, the
 * path for browsers, and the CPU-independent path that dataset collection runs on
 * (src/collect/deterministic.ts). Written for clarity first: {@link referenceSgemm} defines
 * sgemm's arithmetic; the layers' forward case has a faster loop with the same operations.
 */
import { Activation, type Kernels } from "./kernels.js";

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** act(z) for one value. */
export function activate(act: Activation, z: number): number {
  switch (act) {
    case Activation.Identity:
      return z;
    case Activation.Relu:
      return z > 0 ? z : 0;
    case Activation.Tanh:
      return Math.tanh(z);
    case Activation.Sigmoid:
      return sigmoid(z);
    case Activation.Silu:
      return z * sigmoid(z);
    case Activation.Mish:
      return z * Math.tanh(softplus(z));
    case Activation.Softplus:
      return softplus(z);
  }
}

/** act′(z) for one value, given y = act(z). */
export function activationDerivative(act: Activation, z: number, y: number): number {
  switch (act) {
    case Activation.Identity:
      return 1;
    case Activation.Relu:
      return y > 0 ? 1 : 0;
    case Activation.Tanh:
      return 1 - y * y;
    case Activation.Sigmoid:
      return y * (1 - y);
    case Activation.Silu: {
      const s = sigmoid(z);
      return s * (1 + z * (1 - s));
    }
    case Activation.Mish: {
      const t = Math.tanh(softplus(z));
      return t + z * (1 - t * t) * sigmoid(z);
    }
    case Activation.Softplus:
      return sigmoid(z);
  }
}

/**
 * sgemm as the oracle defines it: C = β·C (rounded to float32), then for each row i and each
 * p in order, every c_ij += α·a_ip·b_pj (the product in double, where it is exact; the sum
 * rounded to float32 on store), skipping terms with α·a_ip = 0. An i-p-j loop, so the inner
 * loop runs with unit stride.
 */
export function referenceSgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i]!;
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const aip = alpha * (transA ? a[p * lda + i]! : a[i * lda + p]!);
      if (aip === 0) continue;
      if (transB) for (let j = 0; j < n; j++) c[cRow + j]! += aip * b[j * ldb + p]!;
      else {
        const bRow = p * ldb;
        for (let j = 0; j < n; j++) c[cRow + j]! += aip * b[bRow + j]!;
      }
    }
  }
}

/** c_ij's value before the sum: β·c_ij rounded to float32, as the reference stores it. */
function initial(c: Float32Array, at: number, beta: number): number {
  return beta === 0 ? 0 : Math.fround(beta * c[at]!);
}

/** Row i's nonzero α·a_ip: their offsets p·n into B and values (grown on demand, never shrunk). */
let nzOffset = new Int32Array(1024);
let nzValue = new Float64Array(1024);

/**
 * C = α·A·B + β·C (no transposes: the dense layers' forward), with exactly the operations of
 * {@link referenceSgemm} in the same order — so bit for bit the same result — about twice as
 * fast: row i's nonzero α·a_ip are gathered once, and each c_ij is carried in a register
 * across p (rounded to float32 after every add, as the store in the reference does), eight
 * columns at a time so that the eight sums' dependency chains overlap.
 */
function sgemmNN(m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void {
  if (nzOffset.length < k) {
    nzOffset = new Int32Array(k);
    nzValue = new Float64Array(k);
  }
  const off = nzOffset,
    val = nzValue,
    f = Math.fround;
  for (let i = 0; i < m; i++) {
    let nz = 0;
    for (let p = 0; p < k; p++) {
      const aip = alpha * a[i * k + p]!;
      if (aip === 0) continue;
      off[nz] = p * n;
      val[nz++] = aip;
    }
    const row = i * n;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s0 = initial(c, row + j, beta),
        s1 = initial(c, row + j + 1, beta),
        s2 = initial(c, row + j + 2, beta),
        s3 = initial(c, row + j + 3, beta),
        s4 = initial(c, row + j + 4, beta),
        s5 = initial(c, row + j + 5, beta),
        s6 = initial(c, row + j + 6, beta),
        s7 = initial(c, row + j + 7, beta);
      for (let q = 0; q < nz; q++) {
        const x = val[q]!,
          o = off[q]! + j;
        s0 = f(s0 + x * b[o]!);
        s1 = f(s1 + x * b[o + 1]!);
        s2 = f(s2 + x * b[o + 2]!);
        s3 = f(s3 + x * b[o + 3]!);
        s4 = f(s4 + x * b[o + 4]!);
        s5 = f(s5 + x * b[o + 5]!);
        s6 = f(s6 + x * b[o + 6]!);
        s7 = f(s7 + x * b[o + 7]!);
      }
      c[row + j] = s0;
      c[row + j + 1] = s1;
      c[row + j + 2] = s2;
      c[row + j + 3] = s3;
      c[row + j + 4] = s4;
      c[row + j + 5] = s5;
      c[row + j + 6] = s6;
      c[row + j + 7] = s7;
    }
    for (; j < n; j++) {
      let s = initial(c, row + j, beta);
      for (let q = 0; q < nz; q++) s = f(s + val[q]! * b[off[q]! + j]!);
      c[row + j] = s;
    }
  }
}

export const tsKernels: Kernels = {
  name: "ts",

  sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
    if (!transA && !transB) sgemmNN(m, n, k, alpha, a, b, beta, c);
    else referenceSgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  },

  biasActivation(z, y, bias, rows, cols, act) {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) {
        const zij = bias ? z[row + j]! + bias[j]! : z[row + j]!;
        if (bias) z[row + j] = zij; // without a bias z is left untouched (it may be an op's input)
        y[row + j] = activate(act, Math.fround(zij));
      }
    }
  },

  activationBackward(dz, dy, z, y, n, act, accumulate) {
    for (let i = 0; i < n; i++) {
      const g = dy[i]! * activationDerivative(act, z[i]!, y[i]!);
      dz[i] = accumulate ? dz[i]! + g : g;
    }
  },

  columnSum(out, x, rows, cols, beta) {
    for (let j = 0; j < cols; j++) out[j] = beta === 0 ? 0 : beta * out[j]!;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += x[i * cols + j]!;
  },

  adam(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2) {
    const step = lr / biasCorrection1;
    const decay = 1 - lr * weightDecay;
    const sqrtBc2 = Math.sqrt(biasCorrection2);
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      param[i] = decay * param[i]! - (step * m[i]!) / (Math.sqrt(v[i]!) / sqrtBc2 + eps);
    }
  },

  polyak(target, source, tau) {
    for (let i = 0; i < target.length; i++) target[i] = (1 - tau) * target[i]! + tau * source[i]!;
  },

  sumSquares(x) {
    let acc = 0;
    for (let i = 0; i < x.length; i++) acc += x[i]! * x[i]!;
    return acc;
  },
};
