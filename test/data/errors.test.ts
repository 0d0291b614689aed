// Bad input gets one clear message naming the file, the key and what is wrong — never a
// stack trace from inside h5wasm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DataError, loadDataset, readD4rl, writeD4rl } from "../../src/data/index.js";
import { type RawArray, syntheticDataset, tempDir, writeRawHdf5 } from "./_fixtures.js";

const tmp = tempDir();
after(tmp.cleanup);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

/** A valid 6-step D4RL file's arrays; tests replace one of them. */
function validArrays(N = 6, S = 3, A = 2): RawArray[] {
  const obs = new Float32Array(N * S).map((_, i) => i / 10);
  return [
    { key: "observations", data: obs, shape: [N, S], dtype: "<f" },
    { key: "actions", data: new Float32Array(N * A), shape: [N, A], dtype: "<f" },
    { key: "rewards", data: new Float32Array(N).fill(1), shape: [N], dtype: "<f" },
    { key: "terminals", data: Uint8Array.of(0, 0, 1, 0, 0, 0), shape: [N], dtype: "<B" },
    { key: "timeouts", data: Uint8Array.of(0, 0, 0, 0, 0, 1), shape: [N], dtype: "<B" },
    { key: "next_observations", data: obs, shape: [N, S], dtype: "<f" },
  ];
}

async function fileWith(name: string, replace: Record<string, RawArray | null>): Promise<string> {
  const arrays = validArrays()
    .filter((a) => replace[a.key] !== null)
    .map((a) => replace[a.key] ?? a);
  for (const [key, a] of Object.entries(replace)) if (a && !arrays.some((x) => x.key === key)) arrays.push(a);
  const path = tmp.path(name);
  await writeRawHdf5(path, arrays);
  return path;
}

/** Asserts that loading `path` fails with a DataError whose message matches every pattern. */
async function rejectsWith(path: string, ...patterns: RegExp[]): Promise<DataError> {
  let caught: unknown;
  try {
    await loadDataset(path);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.ok(!caught.message.includes("\n"), `message is not one line: ${caught.message}`);
  assert.ok(caught.message.startsWith(path), `message does not name the file: ${caught.message}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

describe("bad files", () => {
  test("a file that is not HDF5", async () => {
    const path = tmp.path("notes.hdf5");
    writeFileSync(path, "these are not the bytes you are looking for\n");
    await rejectsWith(path, /is not an HDF5 file/);
  });

  test("a truncated file", async () => {
    const good = await fileWith("good.hdf5", {});
    const path = tmp.path("truncated.hdf5");
    const bytes = readFileSync(good);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejectsWith(path, /truncated/);
  });

  test("an empty (0-byte) file and a missing file", async () => {
    const path = tmp.path("zero.hdf5");
    writeFileSync(path, "");
    await rejectsWith(path, /is empty \(0 bytes\)/);
    await rejectsWith(tmp.path("absent.hdf5"), /no such file/);
  });

  test("a missing required key", async () => {
    const path = await fileWith("no-actions.hdf5", { actions: null });
    const error = await rejectsWith(path, /"actions" is missing/, /found: /);
    assert.equal(error.key, "actions");
  });

  test("an HDF5 file with neither layout", async () => {
    const path = tmp.path("other.hdf5");
    await writeRawHdf5(path, [{ key: "images", data: new Float32Array(4), shape: [2, 2], dtype: "<f" }]);
    await rejectsWith(path, /"observations" is missing/, /found: images/);
  });

  test("columns of different lengths", async () => {
    const path = await fileWith("short-actions.hdf5", {
      actions: { key: "actions", data: new Float32Array(10), shape: [5, 2], dtype: "<f" },
    });
    await rejectsWith(path, /"actions" has 5 rows but "observations" has 6/);
  });

  test("wrong dimensions", async () => {
    const rewards = await fileWith("wide-rewards.hdf5", {
      rewards: { key: "rewards", data: new Float32Array(18), shape: [6, 3], dtype: "<f" },
    });
    await rejectsWith(rewards, /"rewards" has shape \[6, 3\], expected \[N\] or \[N, 1\]/);
    const obs = await fileWith("cube-obs.hdf5", {
      observations: { key: "observations", data: new Float32Array(36), shape: [6, 3, 2], dtype: "<f" },
    });
    await rejectsWith(obs, /"observations" has shape \[6, 3, 2\], expected \[N, width\]/);
    const next = await fileWith("narrow-next.hdf5", {
      next_observations: { key: "next_observations", data: new Float32Array(12), shape: [6, 2], dtype: "<f" },
    });
    await rejectsWith(next, /"next_observations" has width 2 but "observations" has 3/);
    const text = await fileWith("string-rewards.hdf5", { rewards: { key: "rewards", data: "oops" } });
    await rejectsWith(text, /"rewards" is a scalar/);
  });

  test("an observation width that does not match the environment", async () => {
    const path = await fileWith("halfcheetah-medium-v2.hdf5", {});
    await rejectsWith(path, /"observations" has width 3 but halfcheetah observations have 17/, /from the file name/);
  });

  test("NaN or Inf values: count and first row", async () => {
    const obs = new Float64Array(18).map((_, i) => i);
    obs[7] = Number.NaN; // row 2, column 1
    obs[16] = Number.POSITIVE_INFINITY;
    const path = await fileWith("nan.hdf5", { observations: { key: "observations", data: obs, shape: [6, 3], dtype: "<d" } });
    await rejectsWith(path, /"observations" has 2 non-finite value\(s\)/, /first is NaN at row 2, column 1/);
    const rewards = new Float32Array(6);
    rewards[4] = Number.NEGATIVE_INFINITY;
    const rpath = await fileWith("inf-reward.hdf5", { rewards: { key: "rewards", data: rewards, shape: [6, 1], dtype: "<f" } });
    await rejectsWith(rpath, /"rewards" has 1 non-finite value\(s\) \(NaN or Inf\); the first is -Infinity at row 4$/);
  });

  test("an empty dataset", async () => {
    const path = tmp.path("empty.hdf5");
    await writeRawHdf5(path, [
      { key: "observations", data: new Float32Array(0), shape: [0, 3], dtype: "<f" },
      { key: "actions", data: new Float32Array(0), shape: [0, 2], dtype: "<f" },
      { key: "rewards", data: new Float32Array(0), shape: [0], dtype: "<f" },
      { key: "terminals", data: new Uint8Array(0), shape: [0], dtype: "<B" },
    ]);
    await rejectsWith(path, /the dataset is empty/);
  });

  test("flags that are not 0/1", async () => {
    const path = await fileWith("flags.hdf5", {
      terminals: { key: "terminals", data: Float32Array.of(0, 1, 0.5, 0, 2, 0), shape: [6], dtype: "<f" },
    });
    await rejectsWith(path, /"terminals" must hold only 0\/1 \(or true\/false\) flags: 2 other value\(s\), first 0.5 at row 2/);
  });

  test("an unwritable output path is a DataError, and no partial file is left", async () => {
    await assert.rejects(writeD4rl(join(tmp.dir, "no-such-dir", "x.hdf5"), syntheticDataset(1)), DataError);
  });

  test("the CLI prints one line and exits 1, with no HDF5 diagnostics", () => {
    const path = tmp.path("truncated.hdf5");
    const run = spawnSync(process.execPath, [CLI, "data", "info", path], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /^adept: .*truncated\.hdf5: cannot be read as HDF5: truncated file/);
  });
});

test("reading a valid file still works after failures (h5wasm state is not poisoned)", async () => {
  const path = await fileWith("valid-after.hdf5", {});
  const d = await readD4rl(path);
  assert.equal(d.size, 6);
});
