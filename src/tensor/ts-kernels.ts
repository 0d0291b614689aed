/**
 * The pure-TypeScript kernels: the oracle that the native kernels are tested against,
 * and the path for browsers. Written for clarity first; sgemm uses an i-p-j loop order
 * so its inner loop runs with unit stride.
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
  }
}

export const tsKernels: Kernels = {
  name: "ts",

  sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
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
  },

  biasActivation(z, y, bias, rows, cols, act) {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) {
        const zij = bias ? z[row + j]! + bias[j]! : z[row + j]!;
        z[row + j] = zij;
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
