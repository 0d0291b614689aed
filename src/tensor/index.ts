/** The tensor core: 2-D float32 tensors, autograd, kernels. */

export { availableKernels, type BackendRecord, backendRecord, backendSummary, kernels, setKernels, withKernels } from "./backend.js";
export { Activation, type ActivationName, activationByName, type Kernels } from "./kernels.js";
export { BackendError, loadAddon, NATIVE_BACKENDS, type NativeInfo, setThreads, threadsPerWorker } from "./native.js";
export * from "./ops.js";
export { PRECISIONS, type Precision, PrecisionError, precision, setPrecision } from "./precision.js";
export * from "./tensor.js";
export { tsKernels } from "./ts-kernels.js";
