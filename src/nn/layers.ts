/**
 * Layers: Linear (PyTorch's default initialization), LayerNorm, an MLP of fused dense
 * layers, and SynthER's residual MLP block `x + Linear(act(LayerNorm(x)))`.
 */
import { Activation, type ActivationName, activationByName } from "../tensor/kernels.js";
import { add, layerNorm, linear } from "../tensor/ops.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../util/rng.js";
import { activationOp } from "./activation.js";
import { Module, parameter, prefixed, uniformInit } from "./module.js";

/** y = act(x·W + b), W [in, out]. Initialized as torch.nn.Linear: W, b ~ U(±1/√in). */
export class Linear extends Module {
  readonly weight: Tensor; // [in, out] (PyTorch stores the transpose)
  readonly bias: Tensor | null; // [1, out]

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    bias = true,
  ) {
    super();
    const bound = 1 / Math.sqrt(inDim);
    this.weight = uniformInit(parameter(inDim, outDim), bound, rng);
    this.bias = bias ? uniformInit(parameter(1, outDim), bound, rng) : null;
  }

  forward(x: Tensor, act: Activation = Activation.Identity): Tensor {
    return linear(x, this.weight, this.bias, act); // [B, out]
  }

  namedParameters(): [string, Tensor][] {
    return this.bias
      ? [
          ["weight", this.weight],
          ["bias", this.bias],
        ]
      : [["weight", this.weight]];
  }
}

/** Per-row layer normalization with a learned scale (init 1) and shift (init 0). */
export class LayerNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = parameter(1, dim);
    this.gamma.data.fill(1);
    this.beta = parameter(1, dim);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }

  namedParameters(): [string, Tensor][] {
    return [
      ["gamma", this.gamma],
      ["beta", this.beta],
    ];
  }
}

/** Options of an {@link MLP}. */
export interface MLPOptions {
  /** Hidden layer widths, e.g. [256, 256]. */
  hidden: number[];
  /** Hidden activation. Default "relu". */
  activation?: ActivationName;
  /** LayerNorm after each hidden dense layer, before the activation. Default false. */
  layerNorm?: boolean;
  /** Activation of the output layer. Default "identity". */
  outputActivation?: ActivationName;
}

/** in → hidden… → out; each hidden layer is one fused dense+activation op. */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly norms: LayerNorm[];
  /** Hidden and output activations (read by exporters that rebuild the network elsewhere). */
  readonly act: Activation;
  readonly outAct: Activation;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    options: MLPOptions,
    rng: Rng,
  ) {
    super();
    const dims = [inDim, ...options.hidden, outDim];
    this.layers = dims.slice(1).map((d, i) => new Linear(dims[i]!, d, rng));
    this.norms = options.layerNorm ? options.hidden.map((d) => new LayerNorm(d)) : [];
    this.act = activationByName(options.activation ?? "relu");
    this.outAct = activationByName(options.outputActivation ?? "identity");
  }

  forward(x: Tensor): Tensor {
    let h = x; // [B, in]
    const last = this.layers.length - 1;
    for (let i = 0; i < last; i++) {
      const layer = this.layers[i]!;
      const norm = this.norms[i];
      h = norm ? activationOp(norm.forward(layer.forward(h)), this.act) : layer.forward(h, this.act); // [B, hidden_i]
    }
    return this.layers[last]!.forward(h, this.outAct); // [B, out]
  }

  namedParameters(): [string, Tensor][] {
    return [...this.layers.flatMap((l, i) => prefixed(`layers.${i}`, l)), ...this.norms.flatMap((n, i) => prefixed(`norms.${i}`, n))];
  }
}

/** SynthER's residual block: x + Linear(act(LayerNorm(x))). */
export class ResidualBlock extends Module {
  readonly norm: LayerNorm;
  readonly dense: Linear;

  constructor(
    readonly dim: number,
    private readonly act: Activation,
    rng: Rng,
  ) {
    super();
    this.norm = new LayerNorm(dim);
    this.dense = new Linear(dim, dim, rng);
  }

  forward(x: Tensor): Tensor {
    return add(x, this.dense.forward(activationOp(this.norm.forward(x), this.act))); // [B, dim]
  }

  namedParameters(): [string, Tensor][] {
    return [...prefixed("norm", this.norm), ...prefixed("dense", this.dense)];
  }
}

/** in → Linear(width) → depth residual blocks → act(LayerNorm) → Linear(out). */
export class ResidualMLP extends Module {
  readonly input: Linear;
  readonly blocks: ResidualBlock[];
  readonly finalNorm: LayerNorm;
  readonly output: Linear;
  private readonly act: Activation;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    options: { width: number; depth: number; activation?: ActivationName },
    rng: Rng,
  ) {
    super();
    this.act = activationByName(options.activation ?? "relu");
    this.input = new Linear(inDim, options.width, rng);
    this.blocks = Array.from({ length: options.depth }, () => new ResidualBlock(options.width, this.act, rng));
    this.finalNorm = new LayerNorm(options.width);
    this.output = new Linear(options.width, outDim, rng);
  }

  forward(x: Tensor): Tensor {
    let h = this.input.forward(x); // [B, width]
    for (const block of this.blocks) h = block.forward(h);
    return this.output.forward(activationOp(this.finalNorm.forward(h), this.act)); // [B, out]
  }

  namedParameters(): [string, Tensor][] {
    return [
      ...prefixed("input", this.input),
      ...this.blocks.flatMap((b, i) => prefixed(`blocks.${i}`, b)),
      ...prefixed("finalNorm", this.finalNorm),
      ...prefixed("output", this.output),
    ];
  }
}
