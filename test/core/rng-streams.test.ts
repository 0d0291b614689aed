// Independent random streams: every stream of a run is derived from the run's seed and a name
// (Rng.fork), so "independent seeds" 0, 1, 2 share no stream — as `Rng(seed + 1)` for the
// sampler did with the next seed's agent, `Rng(seed)`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng, RUN_STREAMS, runSeed, runStream } from "../../src/util/rng.js";

/** The first `n` words of a generator. */
function head(rng: Rng, n = 8): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe("Rng streams", () => {
  it("the streams of seeds 0–2 are pairwise distinct, and none is a plain small-seed stream", () => {
    const seen = new Map<number, string>();
    const streams: Array<[string, Rng]> = [];
    for (let seed = 0; seed <= 2; seed++) for (const name of RUN_STREAMS) streams.push([`seed ${seed} ${name}`, runStream(seed, name)]);
    // The generators a seed-plus-offset scheme would have handed out (seed, seed + 1, … seed + 1000).
    for (let t = 0; t <= 1003; t++) streams.push([`Rng(${t})`, new Rng(t)]);
    for (const [label, rng] of streams)
      for (const word of head(rng)) {
        // Two streams that are equal, or one a shifted copy of the other, share words; 32-bit
        // words of ~8,000 independent draws collide by chance with probability ≈ 0.008.
        const other = seen.get(word);
        assert.ok(other === undefined || other === label, `${label} and ${other} share the word ${word}`);
        seen.set(word, label);
      }
    assert.equal(streams.length, 3 * RUN_STREAMS.length + 1004);
  });

  it("the old derivation collided (the check above would have caught it)", () => {
    // seed 0's sampler was Rng(0 + 1), seed 1's agent Rng(1): the same stream.
    assert.deepEqual(head(new Rng(0 + 1)), head(new Rng(1)));
  });

  it("a named fork does not advance its parent, depends on the parent's state and the name, and is reproducible", () => {
    const parent = new Rng(7);
    const before = parent.getState();
    const a = head(parent.fork("sampler"));
    assert.deepEqual(parent.getState(), before);
    assert.deepEqual(head(parent.fork("sampler")), a);
    assert.notDeepEqual(head(parent.fork("agent")), a);
    parent.nextUint32();
    assert.notDeepEqual(head(parent.fork("sampler")), a);
    assert.deepEqual(head(runStream(7, "sampler")), a);
    assert.equal(runSeed(7, "sampler"), a[0]);
    // Without a name, fork still draws a child seed from the parent (which advances).
    const p = new Rng(3);
    const child = head(p.fork());
    assert.deepEqual(child, head(new Rng(new Rng(3).nextUint32())));
  });
});
