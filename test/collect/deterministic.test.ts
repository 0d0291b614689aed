// The same dataset on every machine: the behaviour policy runs on the CPU-independent
// TypeScript kernels whatever kernels the process uses (native OpenBLAS, native portable,
// TypeScript), and the arrays hash to the SHA-256 published in policies/manifest.json.
// CI runs this file with each sgemm backend as the default (see .ci/run).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildDataset } from "../../src/collect/build.js";
import { checkHash } from "../../src/collect/hash.js";
import type { Dataset } from "../../src/data/dataset.js";
import { datasetSha256 } from "../../src/data/fingerprint.js";
import { loadDataset } from "../../src/data/load.js";
import { kernels, setKernels } from "../../src/tensor/backend.js";
import type { Kernels } from "../../src/tensor/kernels.js";
import { loadAddon, NATIVE_BACKENDS, nativeKernels } from "../../src/tensor/native.js";
import { tsKernels } from "../../src/tensor/ts-kernels.js";

/** The kernel sets this process can run: TypeScript, and the addon on every sgemm backend that runs here. */
function variants(): { name: string; kernels: Kernels; backend?: string }[] {
  const native = nativeKernels();
  const addon = loadAddon();
  const out: { name: string; kernels: Kernels; backend?: string }[] = [{ name: "ts", kernels: tsKernels }];
  if (native && addon) {
    const chosen = addon.backend();
    for (const b of NATIVE_BACKENDS) if (addon.setBackend(b) === "") out.push({ name: `native/${b}`, kernels: native, backend: b });
    addon.setBackend(chosen);
  }
  return out;
}

const COLUMNS = [
  "observations",
  "actions",
  "rewards",
  "nextObservations",
  "terminals",
  "timeouts",
  "actionLogProbs",
  "qpos",
  "qvel",
] as const;

function assertSameArrays(a: Dataset, b: Dataset, what: string): void {
  for (const key of COLUMNS) {
    const x = a[key]!,
      y = b[key]!;
    assert.equal(x.length, y.length, `${what}: ${key} lengths differ`);
    const first = x.findIndex((v, i) => !Object.is(v, y[i]));
    assert.equal(first, -1, `${what}: ${key}[${first}] is ${x[first]} vs ${y[first]}`);
  }
}

describe("deterministic collection", () => {
  const dir = mkdtempSync(join(tmpdir(), "adept-deterministic-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("hopper-medium 5k: identical arrays under every kernel set, matching the published hash", async () => {
    const built: { name: string; dataset: Dataset; path: string }[] = [];
    const before = kernels();
    for (const v of variants()) {
      const previous = setKernels(v.kernels);
      const chosen = loadAddon()?.backend();
      if (v.backend) loadAddon()!.setBackend(v.backend);
      try {
        const path = join(dir, `${v.name.replace("/", "-")}.hdf5`);
        built.push({ name: v.name, ...(await buildDataset("hopper-medium", { size: 5000, seed: 0, out: path })) });
      } finally {
        if (v.backend) loadAddon()!.setBackend(chosen!);
        setKernels(previous);
      }
    }
    assert.equal(kernels(), before, "collection left the process's kernels as they were");
    for (const b of built.slice(1)) assertSameArrays(built[0]!.dataset, b.dataset, `${built[0]!.name} vs ${b.name}`);

    // The file, read back, hashes as the arrays built, and as published for hopper-medium 5k seed 0.
    const file = await loadDataset(built[0]!.path);
    assert.equal(datasetSha256(file), datasetSha256(built[0]!.dataset));
    const check = checkHash(file, built[0]!.path);
    assert.equal(check.status, "match", `sha256 ${check.sha256}, policies/manifest.json: ${check.expected ?? "none"}`);
  });
});
