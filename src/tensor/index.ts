/** The tensor core: 2-D float32 tensors, autograd, kernels. */
export * from "./tensor.js";
export * from "./ops.js";
export { Activation, activationByName, type ActivationName, type Kernels } from "./kernels.js";
export { kernels, setKernels, availableKernels } from "./backend.js";
export { tsKernels } from "./ts-kernels.js";
export { loadAddon } from "./native.js";
