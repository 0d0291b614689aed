/**
 * Differentiable ops on 2-D tensors. Each op's forward and backward sit side by side:
 * the forward computes `out`, and when an input requires a gradient it records a closure
 * that pushes out.grad into the inputs' gradients (accumulating, never overwriting).
 * Heavy work (matrix products, fused bias+activation) goes through the kernels.
 */

import type { Rng } from "../util/rng.js";
import { kernels } from "./backend.js";
import { Activation } from "./kernels.js";
import { gradFor, gradOf, needsGrad, record, ShapeError, Tensor } from "./tensor.js";

// ---- matrix products ------------------------------------------------------------------

/**
 * op(a) · op(b), with op(x) = xᵀ when the flag is set. Gradients use the four-case
 * transpose table (C = op(A)·op(B), G = ∂L/∂C):
 *   transA=F, transB=F: dA = G·Bᵀ, dB = Aᵀ·G     transA=T, transB=F: dA = B·Gᵀ, dB = A·G
 *   transA=F, transB=T: dA = G·B,  dB = Gᵀ·A     transA=T, transB=T: dA = Bᵀ·Gᵀ, dB = Gᵀ·Aᵀ
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb) throw new ShapeError(`matmul: inner dimensions differ: ${a.shape}${transA ? "ᵀ" : ""} · ${b.shape}${transB ? "ᵀ" : ""}`);
  const out = Tensor.empty(m, n);
  const K = kernels();
  K.sgemm(transA, transB, m, n, k, 1, a.data, b.data, 0, out.data);
  if (needsGrad(a, b)) {
    const needA = a.requiresGrad,
      needB = b.requiresGrad; // fixed at record time (see linear)
    record(out, () => {
      const g = out.grad!; // [m, n]
      if (needA) {
        const { grad: ga, beta } = gradFor(a); // shaped like a
        if (!transA)
          K.sgemm(false, !transB, m, k, n, 1, g, b.data, beta, ga); // G·op(B)ᵀ: [m,k]
        else K.sgemm(transB, true, k, m, n, 1, b.data, g, beta, ga); // op(B)·Gᵀ: [k,m]
      }
      if (needB) {
        const { grad: gb, beta } = gradFor(b);
        if (!transB)
          K.sgemm(!transA, false, k, n, m, 1, a.data, g, beta, gb); // op(A)ᵀ·G: [k,n]
        else K.sgemm(true, transA, n, k, m, 1, g, a.data, beta, gb); // Gᵀ·op(A): [n,k]
      }
    });
  }
  return out;
}

/** Activations whose derivative is a function of y = act(z) alone: their z need not be kept. */
function derivativeFromOutput(act: Activation): boolean {
  return act === Activation.Relu || act === Activation.Tanh || act === Activation.Sigmoid;
}

/**
 * act(x · w + b): the fused dense layer. x [B, in], w [in, out], b [1, out] or null.
 * Forward is one sgemm and one fused bias+activation pass; backward is one activation
 * pass, one column sum and two sgemms. For ReLU, tanh and sigmoid (derivatives from the
 * output alone) the activation runs in place and its backward overwrites the incoming
 * gradient, so the layer holds one [B, out] buffer instead of two.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null, act: Activation = Activation.Identity): Tensor {
  if (x.cols !== w.rows) throw new ShapeError(`linear: input ${x.shape} does not match weight ${w.shape}`);
  if (b && (b.rows !== 1 || b.cols !== w.cols)) throw new ShapeError(`linear: bias ${b.shape} does not match weight ${w.shape}`);
  const rows = x.rows;
  const inDim = w.rows;
  const outDim = w.cols;
  const K = kernels();
  // z is the pre-activation; SiLU and Mish keep it for the backward.
  const z = Tensor.empty(rows, outDim);
  K.sgemm(false, false, rows, outDim, inDim, 1, x.data, w.data, 0, z.data); // [B, out]
  const inPlace = act === Activation.Identity || derivativeFromOutput(act);
  const out = inPlace ? z : Tensor.empty(rows, outDim);
  K.biasActivation(z.data, out.data, b ? b.data : null, rows, outDim, act);
  if (needsGrad(x, w, b ?? undefined)) {
    // Which gradients to compute is fixed here, at record time, so that parameters frozen
    // during the forward (see nn/freeze.ts) get no gradient work in the backward either.
    const needX = x.requiresGrad,
      needW = w.requiresGrad,
      needB = b?.requiresGrad ?? false;
    record(out, () => {
      let dz = out.grad!; // [B, out]
      if (act !== Activation.Identity) {
        // out.grad is not read again after this closure: the in-place cases overwrite it.
        if (!inPlace) dz = gradOf(z); // scratch (z is not on the tape), returned to the pool with z
        K.activationBackward(dz, out.grad!, inPlace ? out.data : z.data, out.data, rows * outDim, act, false);
      }
      if (needW) {
        const { grad, beta } = gradFor(w);
        K.sgemm(true, false, inDim, outDim, rows, 1, x.data, dz, beta, grad); // xᵀ·dz
      }
      if (needB) K.columnSum(gradOf(b!), dz, rows, outDim, 1);
      if (needX) {
        const { grad, beta } = gradFor(x);
        K.sgemm(false, true, rows, inDim, outDim, 1, dz, w.data, beta, grad); // dz·wᵀ
      }
    });
  }
  return out;
}

// ---- broadcasting binary ops --------------------------------------------------------

function broadcastDim(op: string, a: Tensor, b: Tensor, da: number, db: number): number {
  if (da === db || db === 1) return da;
  if (da === 1) return db;
  throw new ShapeError(`${op}: shapes ${a.shape} and ${b.shape} do not broadcast`);
}

/**
 * An elementwise binary op with row/column/scalar broadcasting: each operand's rows are
 * either the output's or 1, and likewise its columns. Gradients are summed back over the
 * broadcast axes.
 */
function binary(
  op: string,
  a: Tensor,
  b: Tensor,
  f: (x: number, y: number) => number,
  dfa: (x: number, y: number, out: number) => number,
  dfb: (x: number, y: number, out: number) => number,
): Tensor {
  const rows = broadcastDim(op, a, b, a.rows, b.rows);
  const cols = broadcastDim(op, a, b, a.cols, b.cols);
  const out = Tensor.empty(rows, cols);
  const ad = a.data,
    bd = b.data,
    od = out.data;
  const aRow = a.rows === 1 ? 0 : a.cols,
    aCol = a.cols === 1 ? 0 : 1;
  const bRow = b.rows === 1 ? 0 : b.cols,
    bCol = b.cols === 1 ? 0 : 1;
  if (a.rows === b.rows && a.cols === b.cols) {
    for (let i = 0; i < od.length; i++) od[i] = f(ad[i]!, bd[i]!);
  } else {
    for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < cols; j++, o++) od[o] = f(ad[i * aRow + j * aCol]!, bd[i * bRow + j * bCol]!);
  }
  if (needsGrad(a, b))
    record(out, () => {
      const g = out.grad!;
      const ga = a.requiresGrad ? gradOf(a) : null;
      const gb = b.requiresGrad ? gradOf(b) : null;
      for (let i = 0, o = 0; i < rows; i++)
        for (let j = 0; j < cols; j++, o++) {
          const ia = i * aRow + j * aCol,
            ib = i * bRow + j * bCol;
          if (ga) ga[ia]! += g[o]! * dfa(ad[ia]!, bd[ib]!, od[o]!);
          if (gb) gb[ib]! += g[o]! * dfb(ad[ia]!, bd[ib]!, od[o]!);
        }
    });
  return out;
}

/**
 * a + b, a − b or a ⊙ b with broadcasting, as {@link binary} does, with each op's loop
 * written out: these are the most frequent ops of an update (losses, distributions), and
 * a loop calling an op-specific function per element runs several times slower.
 */
function arithmetic(op: "add" | "sub" | "mul", a: Tensor, b: Tensor): Tensor {
  const rows = broadcastDim(op, a, b, a.rows, b.rows);
  const cols = broadcastDim(op, a, b, a.cols, b.cols);
  const out = Tensor.empty(rows, cols);
  const ad = a.data,
    bd = b.data,
    od = out.data,
    n = od.length;
  const same = a.rows === b.rows && a.cols === b.cols;
  const aRow = a.rows === 1 ? 0 : a.cols,
    aCol = a.cols === 1 ? 0 : 1;
  const bRow = b.rows === 1 ? 0 : b.cols,
    bCol = b.cols === 1 ? 0 : 1;
  if (same) {
    if (op === "add") for (let i = 0; i < n; i++) od[i] = ad[i]! + bd[i]!;
    else if (op === "sub") for (let i = 0; i < n; i++) od[i] = ad[i]! - bd[i]!;
    else for (let i = 0; i < n; i++) od[i] = ad[i]! * bd[i]!;
  } else
    for (let i = 0, o = 0; i < rows; i++)
      for (let j = 0; j < cols; j++, o++) {
        const x = ad[i * aRow + j * aCol]!,
          y = bd[i * bRow + j * bCol]!;
        od[o] = op === "add" ? x + y : op === "sub" ? x - y : x * y;
      }
  if (needsGrad(a, b))
    record(out, () => {
      const g = out.grad!;
      const ga = a.requiresGrad ? gradOf(a) : null;
      const gb = b.requiresGrad ? gradOf(b) : null;
      if (same) {
        if (ga) {
          if (op === "mul") for (let i = 0; i < n; i++) ga[i]! += g[i]! * bd[i]!;
          else for (let i = 0; i < n; i++) ga[i]! += g[i]!;
        }
        if (gb) {
          if (op === "mul") for (let i = 0; i < n; i++) gb[i]! += g[i]! * ad[i]!;
          else if (op === "sub") for (let i = 0; i < n; i++) gb[i]! += -g[i]!;
          else for (let i = 0; i < n; i++) gb[i]! += g[i]!;
        }
        return;
      }
      for (let i = 0, o = 0; i < rows; i++)
        for (let j = 0; j < cols; j++, o++) {
          const ia = i * aRow + j * aCol,
            ib = i * bRow + j * bCol;
          if (ga) ga[ia]! += op === "mul" ? g[o]! * bd[ib]! : g[o]!;
          if (gb) gb[ib]! += op === "mul" ? g[o]! * ad[ia]! : op === "sub" ? -g[o]! : g[o]!;
        }
    });
  return out;
}

/** a + b (broadcasting). */
export function add(a: Tensor, b: Tensor): Tensor {
  return arithmetic("add", a, b);
}

/** a − b (broadcasting). */
export function sub(a: Tensor, b: Tensor): Tensor {
  return arithmetic("sub", a, b);
}

/** a ⊙ b (broadcasting). */
export function mul(a: Tensor, b: Tensor): Tensor {
  return arithmetic("mul", a, b);
}

/** a / b (broadcasting). */
export function div(a: Tensor, b: Tensor): Tensor {
  return binary(
    "div",
    a,
    b,
    (x, y) => x / y,
    (_x, y) => 1 / y,
    (x, y) => -x / (y * y),
  );
}

/** Elementwise min(a, b) (broadcasting); ties send the gradient to a. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return binary(
    "minimum",
    a,
    b,
    (x, y) => (x <= y ? x : y),
    (x, y) => (x <= y ? 1 : 0),
    (x, y) => (x <= y ? 0 : 1),
  );
}

/** Elementwise max(a, b) (broadcasting); ties send the gradient to a. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return binary(
    "maximum",
    a,
    b,
    (x, y) => (x >= y ? x : y),
    (x, y) => (x >= y ? 1 : 0),
    (x, y) => (x >= y ? 0 : 1),
  );
}

/** mask ? a : b elementwise, with mask a 0/1 tensor (no gradient) broadcast like a and b. */
export function where(mask: Tensor, a: Tensor, b: Tensor): Tensor {
  const picked = binary(
    "where",
    mask,
    a,
    (m, x) => m * x,
    () => 0,
    (m) => m,
  );
  const notMask = binary(
    "where",
    mask,
    b,
    (m, y) => (1 - m) * y,
    () => 0,
    (m) => 1 - m,
  );
  return add(picked, notMask);
}

// ---- unary ops ------------------------------------------------------------------------

/** An elementwise op; `df(x, y)` is dy/dx given y = f(x). */
function unary(x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const out = Tensor.empty(x.rows, x.cols);
  const xd = x.data,
    od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = f(xd[i]!);
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < od.length; i++) gx[i]! += g[i]! * df(xd[i]!, od[i]!);
    });
  return out;
}

function softplusValue(v: number): number {
  return v > 20 ? v : v < -20 ? Math.exp(v) : Math.log1p(Math.exp(v));
}
function sigmoidValue(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/**
 * s·x + c, written out rather than through {@link unary}: scale, shift and negation are
 * frequent enough that a per-element function call would cost as much as the rest.
 * (Same arithmetic as the unary forms: c·v, v + c, −v.)
 */
function affine(x: Tensor, s: number, c: number): Tensor {
  const out = Tensor.empty(x.rows, x.cols);
  const xd = x.data,
    od = out.data;
  if (c === 0) for (let i = 0; i < od.length; i++) od[i] = s * xd[i]!;
  else for (let i = 0; i < od.length; i++) od[i] = xd[i]! + c; // s is 1
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < od.length; i++) gx[i]! += g[i]! * s;
    });
  return out;
}

/** −x. */
export const neg = (x: Tensor): Tensor => affine(x, -1, 0);
/** x + c for a number c. */
export const addScalar = (x: Tensor, c: number): Tensor => affine(x, 1, c);
/** c · x for a number c. */
export const scale = (x: Tensor, c: number): Tensor => affine(x, c, 0);
/** eˣ. */
export const exp = (x: Tensor): Tensor => {
  const out = Tensor.empty(x.rows, x.cols);
  const xd = x.data,
    od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = Math.exp(xd[i]!);
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < od.length; i++) gx[i]! += g[i]! * od[i]!;
    });
  return out;
};
/** ln x. */
export const log = (x: Tensor): Tensor => unary(x, Math.log, (v) => 1 / v);
/** tanh x. */
export const tanh = (x: Tensor): Tensor => unary(x, Math.tanh, (_v, y) => 1 - y * y);
/** atanh x (inverse of tanh). */
export const atanh = (x: Tensor): Tensor => unary(x, Math.atanh, (v) => 1 / (1 - v * v));
/** max(x, 0). */
export const relu = (x: Tensor): Tensor =>
  unary(
    x,
    (v) => (v > 0 ? v : 0),
    (v) => (v > 0 ? 1 : 0),
  );
/** 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => unary(x, sigmoidValue, (_v, y) => y * (1 - y));
/**
 * ln(1 + eˣ), computed stably, through the activation kernel: MOPO's ensemble bounds every
 * member's log-variance with two of them per forward over 50 000 rollout rows, where the
 * kernel takes half the time of a per-element JavaScript loop.
 */
export function softplus(x: Tensor): Tensor {
  const K = kernels();
  const out = Tensor.empty(x.rows, x.cols);
  K.biasActivation(x.data, out.data, null, x.rows, x.cols, Activation.Softplus);
  if (needsGrad(x)) record(out, () => K.activationBackward(gradOf(x), out.grad!, x.data, out.data, out.size, Activation.Softplus, true));
  return out;
}
/** x · σ(x). */
export const silu = (x: Tensor): Tensor =>
  unary(
    x,
    (v) => v * sigmoidValue(v),
    (v) => {
      const s = sigmoidValue(v);
      return s * (1 + v * (1 - s));
    },
  );
/** x · tanh(softplus(x)). */
export const mish = (x: Tensor): Tensor =>
  unary(
    x,
    (v) => v * Math.tanh(softplusValue(v)),
    (v) => {
      const t = Math.tanh(softplusValue(v));
      return t + v * (1 - t * t) * sigmoidValue(v);
    },
  );
/** x². */
export const square = (x: Tensor): Tensor => {
  const out = Tensor.empty(x.rows, x.cols);
  const xd = x.data,
    od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = xd[i]! * xd[i]!;
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < od.length; i++) gx[i]! += g[i]! * (2 * xd[i]!);
    });
  return out;
};
/** √x. */
export const sqrt = (x: Tensor): Tensor => unary(x, Math.sqrt, (_v, y) => 0.5 / y);
/** |x| (subgradient 0 at 0). */
export const abs = (x: Tensor): Tensor => unary(x, Math.abs, (v) => Math.sign(v));
/** min(max(x, low), high); the gradient is zero where clamped. */
export const clamp = (x: Tensor, low: number, high: number): Tensor =>
  unary(
    x,
    (v) => (v < low ? low : v > high ? high : v),
    (v) => (v < low || v > high ? 0 : 1),
  );

// ---- reductions ---------------------------------------------------------------------

/**
 * Σ of x: over everything (axis undefined → [1,1]), over rows (axis 0 → [1, cols]) or over
 * columns (axis 1 → [rows, 1]).
 */
export function sum(x: Tensor, axis?: 0 | 1): Tensor {
  const { rows, cols } = x;
  const out = axis === undefined ? Tensor.empty(1, 1, true) : axis === 0 ? Tensor.empty(1, cols, true) : Tensor.empty(rows, 1, true);
  const xd = x.data,
    od = out.data;
  if (axis === undefined) {
    let acc = 0;
    for (let i = 0; i < xd.length; i++) acc += xd[i]!;
    od[0] = acc;
  } else if (axis === 0) kernels().columnSum(od, xd, rows, cols, 0);
  else
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      for (let j = 0; j < cols; j++) acc += xd[i * cols + j]!;
      od[i] = acc;
    }
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < cols; j++, o++) gx[o]! += g[axis === undefined ? 0 : axis === 0 ? j : i]!;
    });
  return out;
}

/** Mean of x, over everything or along an axis (see {@link sum}). */
export function mean(x: Tensor, axis?: 0 | 1): Tensor {
  const n = axis === undefined ? x.size : axis === 0 ? x.rows : x.cols;
  return scale(sum(x, axis), 1 / n);
}

/** log Σⱼ exp(x[i, j]) per row → [rows, 1], computed stably (max subtracted). */
export function logsumexp(x: Tensor): Tensor {
  const { rows, cols } = x;
  const out = Tensor.empty(rows, 1);
  const xd = x.data,
    od = out.data;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, xd[i * cols + j]!);
    let acc = 0;
    for (let j = 0; j < cols; j++) acc += Math.exp(xd[i * cols + j]! - max);
    od[i] = max + Math.log(acc);
  }
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gx[i * cols + j]! += g[i]! * Math.exp(xd[i * cols + j]! - od[i]!); // softmax
    });
  return out;
}

// ---- structure ------------------------------------------------------------------------

/** Concatenation along columns: [B, c1] ++ [B, c2] ++ … → [B, Σc]. */
export function concatCols(parts: Tensor[]): Tensor {
  if (parts.length === 0) throw new ShapeError("concatCols: no tensors");
  const rows = parts[0]!.rows;
  let cols = 0;
  for (const p of parts) {
    if (p.rows !== rows) throw new ShapeError(`concatCols: row counts differ: ${parts.map((q) => q.shape).join(", ")}`);
    cols += p.cols;
  }
  const out = Tensor.empty(rows, cols);
  const od = out.data;
  let offset = 0;
  for (const p of parts) {
    const pd = p.data,
      pc = p.cols;
    for (let i = 0; i < rows; i++) od.set(pd.subarray(i * pc, (i + 1) * pc), i * cols + offset);
    offset += pc;
  }
  if (parts.some((p) => needsGrad(p)))
    record(out, () => {
      const g = out.grad!;
      let off = 0;
      for (const p of parts) {
        const pc = p.cols;
        if (p.requiresGrad) {
          const gp = gradOf(p);
          for (let i = 0; i < rows; i++) for (let j = 0; j < pc; j++) gp[i * pc + j]! += g[i * cols + off + j]!;
        }
        off += pc;
      }
    });
  return out;
}

/** Columns [start, end) of x → [rows, end − start]. */
export function sliceCols(x: Tensor, start: number, end: number): Tensor {
  if (!(0 <= start && start <= end && end <= x.cols)) throw new ShapeError(`sliceCols: range [${start}, ${end}) is outside ${x.shape}`);
  const { rows, cols } = x;
  const w = end - start;
  const out = Tensor.empty(rows, w);
  const xd = x.data,
    od = out.data;
  for (let i = 0; i < rows; i++) od.set(xd.subarray(i * cols + start, i * cols + end), i * w);
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let i = 0; i < rows; i++) for (let j = 0; j < w; j++) gx[i * cols + start + j]! += g[i * w + j]!;
    });
  return out;
}

/** Rows of x at `indices` → [indices.length, cols]; gradients scatter-add back. */
export function gatherRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  const { rows, cols } = x;
  const n = indices.length;
  const out = Tensor.empty(n, cols);
  const xd = x.data,
    od = out.data;
  for (let r = 0; r < n; r++) {
    const i = indices[r]!;
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new ShapeError(`gatherRows: index ${i} is outside ${x.shape}`);
    od.set(xd.subarray(i * cols, (i + 1) * cols), r * cols);
  }
  if (needsGrad(x))
    record(out, () => {
      const g = out.grad!,
        gx = gradOf(x);
      for (let r = 0; r < n; r++) {
        const base = indices[r]! * cols;
        for (let j = 0; j < cols; j++) gx[base + j]! += g[r * cols + j]!;
      }
    });
  return out;
}

/**
 * Layer normalization per row: (x − μ) / √(σ² + eps) · gamma + beta, gamma and beta [1, cols]
 * (either may be null for no affine part).
 */
export function layerNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, eps = 1e-5): Tensor {
  const { rows, cols } = x;
  if (gamma && (gamma.rows !== 1 || gamma.cols !== cols)) throw new ShapeError(`layerNorm: gamma ${gamma.shape} does not match ${x.shape}`);
  if (beta && (beta.rows !== 1 || beta.cols !== cols)) throw new ShapeError(`layerNorm: beta ${beta.shape} does not match ${x.shape}`);
  const out = Tensor.empty(rows, cols);
  const xhat = Tensor.empty(rows, cols); // normalized x, kept for the backward
  const invStd = Tensor.empty(rows, 1);
  const xd = x.data,
    od = out.data,
    hd = xhat.data,
    sd = invStd.data;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let mu = 0;
    for (let j = 0; j < cols; j++) mu += xd[base + j]!;
    mu /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (xd[base + j]! - mu) ** 2;
    const inv = 1 / Math.sqrt(v / cols + eps);
    sd[i] = inv;
    for (let j = 0; j < cols; j++) {
      const h = (xd[base + j]! - mu) * inv;
      hd[base + j] = h;
      od[base + j] = h * (gamma ? gamma.data[j]! : 1) + (beta ? beta.data[j]! : 0);
    }
  }
  if (needsGrad(x, gamma ?? undefined, beta ?? undefined)) {
    const needX = x.requiresGrad,
      needGamma = gamma?.requiresGrad ?? false,
      needBeta = beta?.requiresGrad ?? false;
    record(out, () => {
      const g = out.grad!;
      const gg = needGamma ? gradOf(gamma!) : null;
      const gb = needBeta ? gradOf(beta!) : null;
      const gx = needX ? gradOf(x) : null;
      for (let i = 0; i < rows; i++) {
        const base = i * cols;
        let meanDh = 0,
          meanDhH = 0;
        for (let j = 0; j < cols; j++) {
          const dh = g[base + j]! * (gamma ? gamma.data[j]! : 1);
          meanDh += dh;
          meanDhH += dh * hd[base + j]!;
          if (gg) gg[j]! += g[base + j]! * hd[base + j]!;
          if (gb) gb[j]! += g[base + j]!;
        }
        if (!gx) continue;
        meanDh /= cols;
        meanDhH /= cols;
        for (let j = 0; j < cols; j++) {
          const dh = g[base + j]! * (gamma ? gamma.data[j]! : 1);
          gx[base + j]! += sd[i]! * (dh - meanDh - hd[base + j]! * meanDhH);
        }
      }
    });
  }
  return out;
}

// ---- random tensors (no gradient) -----------------------------------------------------

/** A [rows, cols] tensor of N(0, 1) draws from `rng`. */
export function randomNormal(rows: number, cols: number, rng: Rng): Tensor {
  const t = Tensor.empty(rows, cols);
  rng.fillNormal(t.data);
  return t;
}

/** A [rows, cols] tensor of U(low, high) draws from `rng`. */
export function randomUniform(rows: number, cols: number, rng: Rng, low = 0, high = 1): Tensor {
  const t = Tensor.empty(rows, cols);
  rng.fillUniform(t.data, low, high);
  return t;
}
