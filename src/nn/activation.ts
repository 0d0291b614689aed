import { Activation } from "../tensor/kernels.js";
import { mish, relu, sigmoid, silu, softplus, tanh } from "../tensor/ops.js";
import type { Tensor } from "../tensor/tensor.js";

/** Applies an activation as a standalone op (when it cannot be fused into a dense layer). */
export function activationOp(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case Activation.Identity:
      return x;
    case Activation.Relu:
      return relu(x);
    case Activation.Tanh:
      return tanh(x);
    case Activation.Sigmoid:
      return sigmoid(x);
    case Activation.Silu:
      return silu(x);
    case Activation.Mish:
      return mish(x);
    case Activation.Softplus:
      return softplus(x);
  }
}
