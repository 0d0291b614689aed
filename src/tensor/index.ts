/** The tensor core: 2-D float32 tensors, autograd, kernels. */

export { availableKernels, kernels, setKernels, withKernels } from "./backend.js";
export { Activation, type ActivationName, activationByName, type Kernels } from "./kernels.js";
export { loadAddon } from "./native.js";
export * from "./ops.js";
export * from "./tensor.js";
export { tsKernels } from "./ts-kernels.js";
