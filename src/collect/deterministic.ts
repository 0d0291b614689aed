/**
 * The arithmetic that decides a dataset's content runs on a path whose results do not
 * depend on the CPU, so that `adept data build` writes the same arrays on every machine and
 * the hashes in `policies/manifest.json` can be checked anywhere.
 *
 * The native kernels do not give that: OpenBLAS picks its code path by CPU, and the addon is
 * built with -march=native, so FMA contraction and blocking, hence float rounding, differ
 * between machines (hopper-medium built on an Intel Xeon had 2,487 episodes where the AMD
 * EPYC build had 2,503). The TypeScript kernels do: every product and sum is an IEEE
 * operation in a fixed order (JavaScript has no FMA contraction), and V8's Math.exp/log/
 * tanh/atanh/sin/cos are ports of fdlibm, not the C library. Everything else collection
 * touches is already such code: the policy's elementwise ops and sampling (src/tensor/ops.ts,
 * src/util/rng.ts), the reward and observation code (src/envs/locomotion.ts), and MuJoCo,
 * which is WebAssembly (IEEE arithmetic, no FMA; the build uses no relaxed SIMD).
 *
 * Only the behaviour policy's calls are switched; training keeps the fast kernels.
 *
 * Limits: the fdlibm ports are C++ compiled into the node binary, so the argument covers one
 * Node build on any x86-64 CPU; on another architecture (arm64), whether its compiler fused
 * operations there is not checked.
 */
import { withKernels } from "../tensor/backend.js";
import { tsKernels } from "../tensor/ts-kernels.js";

/** Runs `body` (synchronous) on the TypeScript kernels, then restores the kernels in use. */
export function deterministic<T>(body: () => T): T {
  return withKernels(tsKernels, body);
}
