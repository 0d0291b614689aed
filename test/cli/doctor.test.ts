// `adept doctor` reports the CPU and the backends without crashing on any of them, and
// `adept train --precision` refuses a precision it does not know in one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { loadAddon } from "../../src/tensor/native.js";
import { repoRoot } from "../helpers.js";

const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const env = { ...process.env, ADEPT_THREADS: "1" };

it("adept doctor --json lists the CPU, every backend with a reason, and the one in use", () => {
  const r = spawnSync(process.execPath, [main, "doctor", "--json", "--seconds", "0.05"], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    cpu: string;
    backends: { backend: string; available: boolean; note: string; gflops: Record<string, number> }[];
    chosen: string;
  };
  const names = report.backends.map((b) => b.backend);
  assert.deepEqual(names, loadAddon() ? ["openblas", "onednn", "portable-avx512", "portable-avx2", "portable-generic", "ts"] : ["ts"]);
  for (const b of report.backends) {
    if (b.available) assert.ok(b.gflops.fp32! > 0, `${b.backend}: no probe figure`);
    else assert.ok(b.note.length > 0, `${b.backend}: unavailable without a reason`);
  }
  assert.ok(report.backends.some((b) => `native/${b.backend}` === report.chosen || b.backend === report.chosen));
});

it("adept train --precision fp16 is a one-line error naming the choices", () => {
  const r = spawnSync(
    process.execPath,
    [main, "train", "--algo", "iql", "--dataset", "x.hdf5", "--out", "/tmp/never", "--precision", "fp16"],
    {
      encoding: "utf8",
      env,
    },
  );
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'adept: unknown precision "fp16" (choices: fp32, bf16)\n');
});
