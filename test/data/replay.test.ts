import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import { allocateBatch, DataError, loadReplayBuffer, MixedSampler, ReplayBuffer, saveReplayBuffer } from "../../src/data/index.js";
import { Rng } from "../../src/util/rng.js";
import { sameBits, syntheticDataset, tempDir } from "./_fixtures.js";

const tmp = tempDir();
after(tmp.cleanup);
const spec = { observationDim: 2, actionDim: 1 };

/** Transition k: s = [k, -k], a = [k/10], r = k, s' = [k+1, -k-1], terminal when k % 5 == 4. */
function fill(buffer: ReplayBuffer, from: number, to: number): void {
  for (let k = from; k < to; k++) buffer.add([k, -k], [k / 10], k, [k + 1, -k - 1], k % 5 === 4);
}

describe("ReplayBuffer", () => {
  test("ring overwrite keeps the newest `capacity` transitions", () => {
    const buffer = new ReplayBuffer({ ...spec, capacity: 4 });
    fill(buffer, 0, 3);
    assert.equal(buffer.size, 3);
    assert.equal(buffer.insertIndex, 3);
    fill(buffer, 3, 10);
    assert.equal(buffer.size, 4);
    assert.equal(buffer.insertIndex, 10 % 4);
    const seen = new Set<number>();
    const batch = allocateBatch(spec, 256);
    buffer.sample(new Rng(1), batch);
    for (let r = 0; r < batch.size; r++) {
      const k = batch.rewards[r]!;
      seen.add(k);
      // Every column of a sampled row belongs to the same transition.
      assert.deepEqual(Array.from(batch.observations.subarray(r * 2, r * 2 + 2)), [k, -k]);
      assert.deepEqual(Array.from(batch.nextObservations.subarray(r * 2, r * 2 + 2)), [k + 1, -k - 1]);
      assert.ok(Math.abs(batch.actions[r]! - k / 10) < 1e-6);
      assert.equal(batch.terminals[r], k % 5 === 4 ? 1 : 0);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [6, 7, 8, 9],
    );
  });

  test("seeded sampling is reproducible and roughly uniform", () => {
    const buffer = new ReplayBuffer({ ...spec, capacity: 10 });
    fill(buffer, 0, 10);
    const a = allocateBatch(spec, 10000);
    const b = allocateBatch(spec, 10000);
    buffer.sample(new Rng(42), a);
    buffer.sample(new Rng(42), b);
    assert.ok(sameBits(a.observations, b.observations));
    const counts = new Array(10).fill(0);
    for (const k of a.rewards) counts[k]++;
    for (const c of counts) assert.ok(c > 850 && c < 1150, `count ${c}`);
  });

  test("addDataset copies columns and wraps around the ring", () => {
    const d = syntheticDataset(3, 30, 2, 1);
    const buffer = new ReplayBuffer({ ...spec, capacity: 8 });
    fill(buffer, 0, 5);
    buffer.addDataset(d); // only the last 8 rows of the dataset survive
    assert.equal(buffer.size, 8);
    const state = buffer.state();
    // Storage rows: the ring started at 5, so dataset rows 22..29 sit at rows 5,6,7,0,1,2,3,4 → row r holds 22 + (r - 5 mod 8).
    for (let r = 0; r < 8; r++) {
      const src = 22 + ((r - 5 + 8) % 8);
      assert.equal(state.rewards[r], d.rewards[src]);
      assert.ok(sameBits(state.observations.subarray(r * 2, r * 2 + 2), d.observations.subarray(src * 2, src * 2 + 2)));
      assert.equal(state.terminals[r], d.terminals[src]);
    }
  });

  test("state() / restore() and save / load reproduce the buffer and its sampling", async () => {
    const buffer = new ReplayBuffer({ ...spec, capacity: 6 });
    fill(buffer, 0, 9);
    const copy = ReplayBuffer.fromState(buffer.state());
    const path = tmp.path("buffer.bin");
    await saveReplayBuffer(path, buffer);
    const loaded = await loadReplayBuffer(path);
    for (const other of [copy, loaded]) {
      assert.equal(other.size, buffer.size);
      assert.equal(other.insertIndex, buffer.insertIndex);
      const x = allocateBatch(spec, 32);
      const y = allocateBatch(spec, 32);
      buffer.sample(new Rng(7), x);
      other.sample(new Rng(7), y);
      assert.ok(sameBits(x.observations, y.observations) && sameBits(x.terminals, y.terminals));
    }
    // Adding continues at the same ring position.
    fill(loaded, 9, 10);
    fill(buffer, 9, 10);
    assert.ok(sameBits(loaded.state().rewards, buffer.state().rewards));
    assert.throws(() => new ReplayBuffer({ ...spec, capacity: 5 }).restore(buffer.state()), /capacity 6/);
    const broken = tmp.path("broken.bin");
    const { readFileSync } = await import("node:fs");
    writeFileSync(broken, readFileSync(path).subarray(0, 60));
    await assert.rejects(
      loadReplayBuffer(broken),
      (e: unknown) => e instanceof DataError && /broken\.bin: is truncated or damaged/.test(e.message),
    );
  });
});

test("MixedSampler draws the given fraction from each buffer, and only from the first while the second is empty", () => {
  const real = new ReplayBuffer({ ...spec, capacity: 10 });
  const synthetic = new ReplayBuffer({ ...spec, capacity: 10 });
  fill(real, 0, 10); // rewards 0..9
  const mixed = new MixedSampler(real, synthetic, 0.25);
  const batch = allocateBatch(spec, 100);
  mixed.sample(new Rng(1), batch);
  assert.ok(batch.rewards.every((r) => r < 10));
  fill(synthetic, 100, 110); // rewards 100..109
  mixed.sample(new Rng(1), batch);
  const fromReal = batch.rewards.filter((r) => r < 10).length;
  assert.equal(fromReal, 25);
  assert.throws(() => new MixedSampler(real, synthetic, 1.5), /firstFraction/);
});
