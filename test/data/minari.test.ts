import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DataError, loadDataset, readMinari } from "../../src/data/index.js";
import { type RawArray, tempDir, writeRawHdf5 } from "./_fixtures.js";

const tmp = tempDir();
after(tmp.cleanup);

/** Episode e has T steps; observation t of episode e is [e, t] (so s' is easy to check). */
function episode(e: number, T: number, end: "terminal" | "truncated" | "none"): RawArray[] {
  const obs = new Float64Array((T + 1) * 2);
  for (let t = 0; t <= T; t++) obs.set([e, t], t * 2);
  const terminations = new Uint8Array(T);
  const truncations = new Uint8Array(T);
  if (end === "terminal") terminations[T - 1] = 1;
  if (end === "truncated") truncations[T - 1] = 1;
  return [
    { key: `episode_${e}/observations`, data: obs, shape: [T + 1, 2], dtype: "<d" },
    { key: `episode_${e}/actions`, data: new Float32Array(T).fill(e), shape: [T, 1], dtype: "<f" },
    { key: `episode_${e}/rewards`, data: new Float64Array(T).fill(1), shape: [T], dtype: "<d" },
    { key: `episode_${e}/terminations`, data: terminations, shape: [T], dtype: "<B" },
    { key: `episode_${e}/truncations`, data: truncations, shape: [T], dtype: "<B" },
  ];
}

test("Minari: episodes concatenate in numeric order; s' comes from the episode's own next observation", async () => {
  const dir = join(tmp.dir, "mujoco-hopper-test");
  mkdirSync(join(dir, "data"), { recursive: true });
  const path = join(dir, "data", "main_data.hdf5");
  // 11 episodes so that episode_10 must sort after episode_2.
  const arrays: RawArray[] = [];
  for (let e = 0; e < 11; e++) arrays.push(...episode(e, 2 + (e % 3), e % 2 === 0 ? "terminal" : e === 9 ? "none" : "truncated"));
  await writeRawHdf5(path, arrays, { total_episodes: 11 });
  writeFileSync(join(dir, "metadata.json"), JSON.stringify({ dataset_id: "test/pendulum-v0", env_spec: { id: "Pendulum-v1" } }));
  const d = await loadDataset(dir); // the dataset directory resolves to data/main_data.hdf5
  assert.equal(d.source.format, "minari");
  assert.equal(d.source.nextObservations, "episodes");
  assert.equal(d.metadata.dataset_id, "test/pendulum-v0");
  assert.equal(d.metadata.total_episodes, 11);
  let row = 0;
  for (let e = 0; e < 11; e++) {
    const T = 2 + (e % 3);
    for (let t = 0; t < T; t++, row++) {
      assert.deepEqual(Array.from(d.observations.subarray(row * 2, row * 2 + 2)), [e, t]);
      assert.deepEqual(Array.from(d.nextObservations.subarray(row * 2, row * 2 + 2)), [e, t + 1]);
      assert.equal(d.actions[row], e);
      const last = t === T - 1;
      assert.equal(d.terminals[row], last && e % 2 === 0 ? 1 : 0);
      // An episode ending with neither flag (episode_9) still ends: it becomes a timeout.
      assert.equal(d.timeouts[row], last && e % 2 === 1 ? 1 : 0);
    }
  }
  assert.equal(d.size, row);
});

test("Minari: observations must hold the final observation; dictionary spaces are refused clearly", async () => {
  const short = tmp.path("short.hdf5");
  const arrays = episode(0, 3, "terminal");
  arrays[0] = { key: "episode_0/observations", data: new Float32Array(6), shape: [3, 2], dtype: "<f" };
  await writeRawHdf5(short, arrays);
  await assert.rejects(readMinari(short), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /short\.hdf5: "episode_0\/observations" has 3 rows but "episode_0\/actions" has 4/);
    return true;
  });
  const dict = tmp.path("dict.hdf5");
  const dictArrays = episode(0, 3, "terminal").filter((a) => !a.key.endsWith("/observations"));
  dictArrays.push({ key: "episode_0/observations/position", data: new Float32Array(4), shape: [4, 1], dtype: "<f" });
  await writeRawHdf5(dict, dictArrays);
  await assert.rejects(loadDataset(dict), /"episode_0\/observations" is a group \(dictionary spaces are not supported\)/);
});
