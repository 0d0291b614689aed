/**
 * The 2-D float32 tensor, its gradient tape and the buffer pool.
 *
 * - Every tensor is rows × cols (a scalar is 1 × 1, a row vector 1 × n), row-major.
 * - Ops record themselves on a global tape when grad mode is on and an input requires a
 *   gradient; {@link backward} walks the tape in reverse, then clears it (a backward
 *   consumes the graph built so far, as in PyTorch).
 * - Inside {@link scope}, tensor buffers come from a pool keyed by length and go back to
 *   it when the scope ends, so a training step after the first allocates (almost) nothing.
 *   Tensors made inside a scope must not be used after it, except the one it returns.
 */

/** A shape mismatch; the message names the op and the shapes at fault. */
export class ShapeError extends Error {
  override name = "ShapeError";
}

const EMPTY = new Float32Array(0);

export class Tensor {
  /** Row-major values, rows · cols of them. */
  data: Float32Array;
  /** ∂loss/∂this after {@link backward}; null until a gradient reaches it. */
  grad: Float32Array | null = null;
  /** Whether gradients flow to this tensor (parameters, and op outputs that depend on them). */
  requiresGrad: boolean;
  /** For op outputs on the tape: pushes this.grad into the inputs' gradients. */
  backwardFn: (() => void) | null = null;
  /** True when data (and grad) belong to the pool and return to it when the scope ends. */
  pooled = false;

  constructor(
    readonly rows: number,
    readonly cols: number,
    data?: Float32Array,
    requiresGrad = false,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0)
      throw new ShapeError(`Tensor: invalid shape [${rows},${cols}]`);
    if (data && data.length !== rows * cols) throw new ShapeError(`Tensor: ${data.length} values do not fill shape [${rows},${cols}]`);
    this.data = data ?? new Float32Array(rows * cols);
    this.requiresGrad = requiresGrad;
  }

  /** A tensor of the given shape from pooled memory inside a scope; contents are arbitrary unless `zero`. */
  static empty(rows: number, cols: number, zero = false): Tensor {
    const scope = scopes.at(-1);
    if (!scope) return new Tensor(rows, cols);
    const t = new Tensor(rows, cols, EMPTY.length === rows * cols ? EMPTY : pool.take(rows * cols, zero));
    t.pooled = true;
    scope.push(t);
    return t;
  }

  /** A tensor from nested arrays (rows of numbers), for tests and small constants. */
  static from(values: number[][]): Tensor {
    const rows = values.length;
    const cols = rows ? values[0]!.length : 0;
    const t = new Tensor(rows, cols);
    values.forEach((row, i) => {
      if (row.length !== cols) throw new ShapeError(`Tensor.from: row ${i} has ${row.length} values, expected ${cols}`);
      t.data.set(row, i * cols);
    });
    return t;
  }

  /** A 1 × 1 tensor. */
  static scalar(value: number): Tensor {
    const t = Tensor.empty(1, 1);
    t.data[0] = value;
    return t;
  }

  /** A tensor filled with `value`. */
  static full(rows: number, cols: number, value: number): Tensor {
    const t = Tensor.empty(rows, cols);
    t.data.fill(value);
    return t;
  }

  /** Number of elements. */
  get size(): number {
    return this.rows * this.cols;
  }

  /** "[rows,cols]", for messages. */
  get shape(): string {
    return `[${this.rows},${this.cols}]`;
  }

  /** The value of a 1 × 1 tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: expected a 1x1 tensor, got ${this.shape}`);
    return this.data[0]!;
  }

  /** Element (i, j). */
  at(i: number, j: number): number {
    return this.data[i * this.cols + j]!;
  }

  /** Nested arrays, for tests and printing. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }

  /** A copy that owns its memory (outside any pool) and has no gradient history. */
  clone(): Tensor {
    return new Tensor(this.rows, this.cols, this.data.slice());
  }
}

// ---- buffer pool and scopes ---------------------------------------------------------

/** Free Float32Arrays by length. */
class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Buffers created because none of the length was free. */
  allocations = 0;

  take(length: number, zero: boolean): Float32Array {
    const buf = this.free.get(length)?.pop();
    if (!buf) {
      this.allocations++;
      return new Float32Array(length);
    }
    if (zero) buf.fill(0);
    return buf;
  }

  give(buf: Float32Array): void {
    if (buf.length === 0) return;
    let list = this.free.get(buf.length);
    if (!list) {
      list = [];
      this.free.set(buf.length, list);
    }
    list.push(buf);
  }

  /** Floats held by the pool (for tests of allocation behaviour). */
  heldFloats(): number {
    let n = 0;
    for (const [len, list] of this.free) n += len * list.length;
    return n;
  }

  clear(): void {
    this.free.clear();
  }
}

const pool = new BufferPool();
const scopes: Tensor[][] = [];

function release(t: Tensor): void {
  if (!t.pooled) return;
  pool.give(t.data);
  if (t.grad) pool.give(t.grad);
  t.data = EMPTY; // any later use fails loudly instead of reading recycled memory
  t.grad = null;
  t.backwardFn = null;
  t.pooled = false;
}

/**
 * Runs `fn` with pooled tensor memory: every tensor created inside is recycled when `fn`
 * returns, except a returned tensor, which moves to the enclosing scope (or leaves the
 * pool at top level). The tape is cut back to where it was.
 */
export function scope<T>(fn: () => T): T {
  const tensors: Tensor[] = [];
  scopes.push(tensors);
  const tapeStart = tape.length;
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
    if (tape.length > tapeStart) tape.length = tapeStart;
  }
  const parent = scopes.at(-1);
  for (const t of tensors) {
    if (t === (result as unknown)) {
      if (parent) parent.push(t);
      else t.pooled = false; // it now owns its buffer
    } else release(t);
  }
  return result;
}

/** Pool diagnostics: buffers ever allocated by the pool, and floats parked in it now. */
export function poolStats(): { allocations: number; heldFloats: number } {
  return { allocations: pool.allocations, heldFloats: pool.heldFloats() };
}

// ---- the tape -------------------------------------------------------------------------

const tape: Tensor[] = [];
let gradEnabled = true;

/** Whether ops currently record gradients. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording gradients (evaluation, targets, sampling). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** True when an op on these inputs must record its backward. */
export function needsGrad(a: Tensor, b?: Tensor, c?: Tensor): boolean {
  return gradEnabled && (a.requiresGrad || (b?.requiresGrad ?? false) || (c?.requiresGrad ?? false));
}

/** Marks `out` as produced by an op with the given backward, and puts it on the tape. */
export function record(out: Tensor, backwardFn: () => void): void {
  out.requiresGrad = true;
  out.backwardFn = backwardFn;
  tape.push(out);
}

/** The gradient buffer of `t`, allocated (zeroed) on first use; pooled when `t` is. */
export function gradOf(t: Tensor): Float32Array {
  if (t.grad === null) t.grad = t.pooled ? pool.take(t.size, true) : new Float32Array(t.size);
  return t.grad;
}

/**
 * The gradient buffer of `t` for a kernel that writes C = … + beta·C, and the beta to use:
 * 1 (accumulate) when `t` already has a gradient, else 0 into a fresh buffer that is not
 * zeroed first (the kernel overwrites it; our sgemm backends ignore C when beta is 0).
 */
export function gradFor(t: Tensor): { grad: Float32Array; beta: 0 | 1 } {
  if (t.grad !== null) return { grad: t.grad, beta: 1 };
  t.grad = t.pooled ? pool.take(t.size, false) : new Float32Array(t.size);
  return { grad: t.grad, beta: 0 };
}

/** A tensor sharing `t`'s values with no gradient history. */
export function detach(t: Tensor): Tensor {
  return new Tensor(t.rows, t.cols, t.data);
}

/**
 * Reverse-mode differentiation of a 1 × 1 loss: accumulates ∂loss/∂p into `p.grad` of
 * every leaf p that requires a gradient (call the optimizer's zeroGrad before), then
 * clears the tape and the intermediate gradients.
 */
export function backward(loss: Tensor): void {
  if (loss.size !== 1) throw new ShapeError(`backward: the loss must be 1x1, got ${loss.shape}`);
  if (!loss.requiresGrad) throw new Error("backward: the loss does not depend on any tensor that requires a gradient");
  gradOf(loss)[0]! += 1;
  for (let i = tape.length - 1; i >= 0; i--) {
    const t = tape[i]!;
    if (t.grad !== null && t.backwardFn !== null) t.backwardFn();
  }
  for (const t of tape) {
    if (t.grad !== null && t.pooled) pool.give(t.grad);
    t.grad = null;
    t.backwardFn = null;
  }
  tape.length = 0;
}
