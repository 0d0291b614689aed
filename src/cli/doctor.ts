/**
 * `adept doctor`: what the numeric core runs on here — the CPU and its instruction sets,
 * every matrix-product backend with why it is or is not available, the one chosen, the
 * threads and precisions, and a one-second sgemm probe per backend in GFLOP/s.
 *
 * Also home of {@link startBackend}, which `adept train` and `adept quickstart` call to
 * apply `--precision` and log the backend in one line.
 */
import type { Command } from "commander";
import { CliError } from "./errors.js";

/** Applies a precision (flag value, else ADEPT_PRECISION), and writes the backend line to stdout. */
export async function startBackend(precisionFlag?: string): Promise<void> {
  const t = await import("../tensor/index.js");
  t.kernels(); // chooses the backend and applies ADEPT_PRECISION (BackendError, PrecisionError: one line)
  if (precisionFlag !== undefined) {
    const notice = t.setPrecision(precisionFlag);
    if (notice) process.stderr.write(`adept: ${notice}\n`);
  }
  // stdout, beside the run's summary: stderr stays for errors and notices (one line each).
  process.stdout.write(`kernels ${t.backendSummary()}\n`);
}

/** GFLOP/s of sgemm 256³ on the current backend over about `seconds`. */
function probe(sgemm: (c: Float32Array) => void, seconds: number): number {
  const n = 256;
  const c = new Float32Array(n * n);
  for (let i = 0; i < 5; i++) sgemm(c);
  let calls = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    for (let i = 0; i < 10; i++) sgemm(c);
    calls += 10;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return (2 * n * n * n * calls) / elapsed / 1e9;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("Show the CPU, the matrix-product backends and the one in use, with a short sgemm speed probe")
    .option("--no-probe", "skip the speed probe")
    .option("--seconds <s>", "probe time per backend and precision", "1")
    .option("--json", "print the report as JSON")
    .action(async (opts: { probe: boolean; seconds: string; json?: boolean }) => {
      const seconds = Number(opts.seconds);
      if (!(seconds > 0)) throw new CliError(`--seconds must be a positive number, got "${opts.seconds}"`);
      const t = await import("../tensor/index.js");
      const chosen = t.kernels().name; // BackendError and PrecisionError are one-line UserErrors
      const addon = t.loadAddon();
      const info = addon?.info() ?? null;
      const rows: { backend: string; available: boolean; note: string; gflops: Record<string, number> }[] = [];
      const n = 256;
      const x = new Float32Array(n * n).fill(0.5),
        y = new Float32Array(n * n).fill(0.25);
      const run = (c: Float32Array): void => t.kernels().sgemm(false, false, n, n, n, 1, x, y, 0, c);
      if (addon && info) {
        const before = addon.backend();
        for (const name of t.NATIVE_BACKENDS) {
          const why = addon.setBackend(name);
          const note =
            name === "openblas" && info.openblas.loaded
              ? `core ${info.openblas.core}${info.openblas.coreForced ? ` (OpenBLAS picked ${info.openblas.detectedCore}${info.openblas.requestedCore ? `, OPENBLAS_CORETYPE=${info.openblas.requestedCore}` : ""}: too weak for this CPU, replaced; ADEPT_OPENBLAS_CORETYPE keeps a core)` : ""}`
              : name === "onednn" && info.onednn.loaded
                ? `oneDNN ${info.onednn.version}, ${info.onednn.isa}, bf16 ${info.onednn.bf16 ? "yes" : "no (needs AVX512-BF16 or AMX)"}`
                : why;
          const gflops: Record<string, number> = {};
          if (!why && opts.probe) {
            gflops.fp32 = Number(probe(run, seconds).toFixed(1));
            if (name === "onednn" && info.onednn.bf16) {
              addon.setPrecision(true);
              gflops.bf16 = Number(probe(run, seconds).toFixed(1));
              addon.setPrecision(false);
            }
          }
          rows.push({ backend: name, available: !why, note, gflops });
        }
        addon.setBackend(before.replace("/bf16", ""));
        if (before.endsWith("/bf16")) addon.setPrecision(true);
      }
      const tsGflops = opts.probe
        ? (() => {
            const previous = t.setKernels(t.tsKernels);
            try {
              return Number(probe(run, Math.min(seconds, 0.5)).toFixed(1));
            } finally {
              t.setKernels(previous);
            }
          })()
        : undefined;
      rows.push({
        backend: "ts",
        available: true,
        note: "TypeScript kernels (ADEPT_KERNELS=ts)",
        gflops: tsGflops === undefined ? {} : { fp32: tsGflops },
      });
      const report = {
        cpu: info?.cpu ?? "unknown (native addon not built)",
        isa: info?.isa ?? [],
        backends: rows,
        chosen,
        summary: t.backendSummary(),
        precisions: info?.onednn.bf16 ? ["fp32", "bf16"] : ["fp32"],
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const lines = [
        `CPU        ${report.cpu}`,
        `ISA        ${report.isa.join(" ") || "baseline x86-64 only"}`,
        "backends   (sgemm 256³, GFLOP/s)",
      ];
      for (const r of rows) {
        const speed = Object.entries(r.gflops)
          .map(([p, g]) => `${p} ${g}`)
          .join(", ");
        lines.push(`  ${r.available ? "✓" : "✗"} ${r.backend.padEnd(17)} ${speed.padEnd(24)} ${r.note}`);
      }
      lines.push(`in use     ${report.summary}`);
      lines.push(`precision  ${report.precisions.join(", ")} (adept train --precision, or ADEPT_PRECISION)`);
      lines.push("switches   ADEPT_SGEMM=<backend>, ADEPT_KERNELS=ts, ADEPT_THREADS=<n>; docs/core.md");
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
