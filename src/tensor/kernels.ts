/**
 * The narrow contract between tensor ops and compute. Ops (src/tensor/ops.ts) never
 * loop over large buffers themselves where a kernel exists; a kernel set is either the
 * native addon (OpenBLAS or our portable C kernel) or the pure-TypeScript oracle.
 * All matrices are row-major Float32Arrays; sizes are checked by the caller.
 */
export interface Kernels {
  /** "native/openblas", "native/portable" or "ts". */
  readonly name: string;
  /** C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when its flag is set; op(A) is [m,k], op(B) [k,n]. */
  sgemm(
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
  ): void;
  /** z += bias (broadcast over rows, when given); y = act(z). `y` may be `z`. */
  biasActivation(z: Float32Array, y: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: Activation): void;
  /**
   * dz = (accumulate ? dz : 0) + dy · act′(z), given y = act(z), over the first n elements.
   * `dz` may be `dy`; for ReLU, tanh and sigmoid (derivatives from y) `z` may be `y`.
   */
  activationBackward(
    dz: Float32Array,
    dy: Float32Array,
    z: Float32Array,
    y: Float32Array,
    n: number,
    act: Activation,
    accumulate: boolean,
  ): void;
  /** out[j] = beta · out[j] + Σᵢ x[i, j]. */
  columnSum(out: Float32Array, x: Float32Array, rows: number, cols: number, beta: number): void;
  /** One Adam/AdamW step over a whole parameter (PyTorch semantics; decoupled weight decay). */
  adam(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  /** target = (1 − tau) · target + tau · source. */
  polyak(target: Float32Array, source: Float32Array, tau: number): void;
  /** Σ xᵢ², accumulated in double precision. */
  sumSquares(x: Float32Array): number;
}

/** Activations with fused kernels; the numeric codes are shared with native/adept.c. */
export enum Activation {
  Identity = 0,
  Relu = 1,
  Tanh = 2,
  Sigmoid = 3,
  Silu = 4,
  Mish = 5,
  Softplus = 6,
}

/** Activation by its lower-case name ("relu", "tanh", …), for configs. */
export type ActivationName = "identity" | "relu" | "tanh" | "sigmoid" | "silu" | "mish" | "softplus";

const BY_NAME: Record<ActivationName, Activation> = {
  identity: Activation.Identity,
  relu: Activation.Relu,
  tanh: Activation.Tanh,
  sigmoid: Activation.Sigmoid,
  silu: Activation.Silu,
  mish: Activation.Mish,
  softplus: Activation.Softplus,
};

/** Every activation with a fused kernel (the enum's members, for tests that cover each). */
export const ACTIVATIONS: readonly Activation[] = Object.values(Activation).filter((v): v is Activation => typeof v === "number");

/** The config name of an activation. */
export function activationName(act: Activation): ActivationName {
  return (Object.keys(BY_NAME) as ActivationName[]).find((name) => BY_NAME[name] === act)!;
}

/** Resolves an activation name, with an error that lists the valid ones. */
export function activationByName(name: string): Activation {
  const act = BY_NAME[name as ActivationName];
  if (act === undefined) throw new RangeError(`unknown activation "${name}" (expected one of ${Object.keys(BY_NAME).join(", ")})`);
  return act;
}
