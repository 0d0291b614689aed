// CORL's BC-x%: the best episodes by return, rows kept in order, every column cut alike.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Dataset } from "../../src/data/dataset.js";
import { bestEpisodes } from "../../src/data/filter.js";

it("bestEpisodes keeps the top fraction of episodes by return", () => {
  // Episodes: rows [0,2) return 1, [2,5) return 9, [5,6) return 5.
  const rewards = new Float32Array([0.5, 0.5, 3, 3, 3, 5]);
  const terminals = new Uint8Array([0, 1, 0, 0, 1, 0]);
  const timeouts = new Uint8Array([0, 0, 0, 0, 0, 1]);
  const obs = new Float32Array([0, 1, 2, 3, 4, 5]);
  const d = {
    size: 6,
    observationDim: 1,
    actionDim: 1,
    observations: obs,
    actions: obs.map((x) => -x),
    rewards,
    nextObservations: obs.map((x) => x + 10),
    terminals,
    timeouts,
    actionLogProbs: obs.map((x) => x / 10),
    metadata: {},
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  } as Dataset;
  const top = bestEpisodes(d, 1 / 3);
  assert.deepEqual(Array.from(top.observations), [2, 3, 4]);
  assert.deepEqual(Array.from(top.nextObservations), [12, 13, 14]);
  assert.deepEqual(Array.from(top.terminals), [0, 0, 1]);
  assert.deepEqual(
    Array.from(top.actionLogProbs!),
    [0.2, 0.3, 0.4].map((x) => Math.fround(x)),
  );
  assert.deepEqual(Array.from(bestEpisodes(d, 0.67).observations), [2, 3, 4, 5]);
  assert.equal(bestEpisodes(d, 1), d);
  assert.throws(() => bestEpisodes(d, 0), /fraction must be in \(0, 1\]/);
});
