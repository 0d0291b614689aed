/**
 * Mixed precision. "bf16" runs the matrix products of forward and backward passes (matmul,
 * linear) with operands rounded to bfloat16 and fp32 accumulation, on oneDNN; weights,
 * optimizer state, losses, normalization, log-probs and elementwise ops stay fp32, as
 * `torch.autocast("cpu", dtype=torch.bfloat16)` does. Checkpoints hold fp32 weights either
 * way, so a run saved in one precision loads in the other.
 *
 * Set with {@link setPrecision} (`adept train --precision`) or ADEPT_PRECISION.
 */
import { UserError } from "../util/errors.js";
import { kernels } from "./backend.js";
import { loadAddon } from "./native.js";

export const PRECISIONS = ["fp32", "bf16"] as const;
export type Precision = (typeof PRECISIONS)[number];

/** An unknown precision, or bf16 asked of a backend that cannot run it. */
export class PrecisionError extends UserError {
  override name = "PrecisionError";
}

let current: Precision = "fp32";
/** The fp32 backend to return to when bf16 moved products to onednn. */
let fp32Backend: string | null = null;

/** The precision matrix products run in now. */
export function precision(): Precision {
  return current;
}

/**
 * Switches matrix products to `name`. Returns null, or a one-line notice when bf16 was asked
 * for on a CPU without bf16 hardware (it then runs fp32). Throws PrecisionError for a name
 * that is not a precision, and for bf16 where the backend was forced to one without it
 * (ADEPT_SGEMM, ADEPT_KERNELS=ts).
 */
export function setPrecision(name: string): string | null {
  if (!(PRECISIONS as readonly string[]).includes(name))
    throw new PrecisionError(`unknown precision "${name}" (choices: ${PRECISIONS.join(", ")})`);
  const a = kernels().name.startsWith("native/") ? loadAddon() : null;
  if (name === "fp32") {
    a?.setPrecision(false);
    if (a && fp32Backend) a.setBackend(fp32Backend);
    fp32Backend = null;
    current = "fp32";
    return null;
  }
  if (!a) throw new PrecisionError(`precision bf16 needs the native addon's onednn backend; kernels are ${kernels().name} (choices: fp32)`);
  const info = a.info();
  if (!info.onednn.bf16) {
    const why = !info.onednn.loaded ? `oneDNN is not available (${info.onednn.error})` : "this CPU has neither AVX512-BF16 nor AMX-BF16";
    return `precision bf16 unavailable: ${why}; running fp32`;
  }
  if (!a.backend().startsWith("onednn")) {
    if (process.env.ADEPT_SGEMM && process.env.ADEPT_SGEMM !== "onednn")
      throw new PrecisionError(
        `precision bf16 runs on the onednn backend only, and ADEPT_SGEMM=${process.env.ADEPT_SGEMM} (choices: fp32, or ADEPT_SGEMM=onednn)`,
      );
    fp32Backend = a.backend();
    a.setBackend("onednn");
  }
  const why = a.setPrecision(true);
  if (why) throw new PrecisionError(`precision bf16: ${why} (choices: fp32)`);
  current = "bf16";
  return null;
}

/** Applies ADEPT_PRECISION once, writing its notice (if any) to stderr. */
export function precisionFromEnv(): void {
  const name = process.env.ADEPT_PRECISION;
  if (!name) return;
  const notice = setPrecision(name);
  if (notice) process.stderr.write(`adept: ${notice}\n`);
}
