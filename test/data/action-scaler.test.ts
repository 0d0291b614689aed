// The min–max action scaler: none for actions in [−1, 1] (the same dataset object, so training
// is bit-identical), an exact round trip otherwise, log-probs moved by the Jacobian, and clear
// errors for NaN and constant columns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitActionScaler, scaleActions, unscaleActions, withScaledActions } from "../../src/data/action-scaler.js";
import type { Dataset } from "../../src/data/dataset.js";

function dataset(actions: number[], A: number, logProbs?: number[]): Dataset {
  const N = actions.length / A;
  return {
    size: N,
    observationDim: 1,
    actionDim: A,
    observations: new Float32Array(N),
    actions: Float32Array.from(actions),
    rewards: new Float32Array(N),
    nextObservations: new Float32Array(N),
    terminals: new Uint8Array(N),
    timeouts: new Uint8Array(N),
    ...(logProbs ? { actionLogProbs: Float32Array.from(logProbs) } : {}),
    metadata: {},
    source: { file: "x.jsonl", format: "jsonl", nextObservations: "file", droppedRows: 0 },
  };
}

describe("action scaler", () => {
  it("leaves actions in [−1, 1] alone: the same object", () => {
    const d = dataset([-1, 0.5, 1, -0.25], 2);
    const { dataset: out, scaler } = withScaledActions(d);
    assert.equal(scaler, null);
    assert.equal(out, d);
  });

  it("maps [min, max] to [−1, 1] per column and back", () => {
    const d = dataset([-2, 0, 2, 10, 0, 5], 2, [0, 0, 0]);
    const { dataset: out, scaler } = withScaledActions(d);
    assert.deepEqual(scaler, { kind: "min-max", low: [-2, 0], high: [2, 10] });
    assert.deepEqual(Array.from(out.actions), [-1, -1, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(unscaleActions(scaler!, out.actions.slice())), Array.from(d.actions));
    assert.deepEqual(Array.from(scaleActions(scaler!, Float32Array.from([0, 2.5]))), [0, -0.5]);
    // log p'(a') = log p(a) − log|∂a'/∂a| = 0 − (log(2/4) + log(2/10))
    assert.ok(Math.abs(out.actionLogProbs![0]! - -(Math.log(0.5) + Math.log(0.2))) < 1e-5);
    assert.equal(d.actions[0], -2, "the input is not modified");
  });

  it("rejects NaN actions and constant columns, naming the file and the column", () => {
    assert.throws(() => fitActionScaler(dataset([0, Number.NaN], 1)), /x\.jsonl: "actions" action column 0 of row 1 is NaN/);
    assert.throws(() => fitActionScaler(dataset([3, 0, -3, 0], 2)), /x\.jsonl: "actions" action column 1 is constant \(0\)/);
  });
});
