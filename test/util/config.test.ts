// Config schemas: defaults, strings from the command line parsed to the field's type, JSON
// taken as typed, integer/min/required/list fields, and errors that name the field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, defineConfig, resolveConfig } from "../../src/util/config.js";
import { UserError } from "../../src/util/errors.js";

const schema = defineConfig({
  out: { default: "", required: true, doc: "where" },
  steps: { default: 100, integer: true, min: 1, doc: "updates" },
  lr: { default: 3e-4, doc: "learning rate" },
  seeds: { default: 0, integer: true, min: 0, list: true, doc: "seeds" },
  schedule: { default: "cosine", choices: ["cosine", "constant"], doc: "schedule" },
});

describe("config schemas", () => {
  it("fills defaults and parses command-line strings to the field's type", () => {
    const c = resolveConfig(schema, { out: "runs", steps: "20", lr: "0.001" });
    assert.deepEqual(c, { out: "runs", steps: 20, lr: 0.001, seeds: [], schedule: "cosine" });
    assert.deepEqual(resolveConfig(schema, { out: "r", seeds: [0, 2] }).seeds, [0, 2]);
  });

  it("rejects ill-typed values with a UserError naming the field and what it accepts", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ out: "r", steps: "0" }, /^run\.steps: expected an integer ≥ 1, got "0"$/],
      [{ out: "r", steps: 2.5 }, /^run\.steps: expected an integer ≥ 1, got 2\.5$/],
      [{ out: "r", lr: "fast" }, /^run\.lr: expected a number, got "fast"$/],
      [{ out: "r", seeds: [] }, /^run\.seeds: expected a non-empty array of integers ≥ 0, got \[\]$/],
      [{ out: "r", seeds: [0, -1] }, /^run\.seeds: expected a non-empty array of integers ≥ 0, got \[0,-1\]$/],
      [{ out: "r", schedule: "linear" }, /^run\.schedule: expected one of cosine, constant, got "linear"$/],
      [{ out: "" }, /^run\.out: expected a non-empty string, got ""$/],
      [{}, /^missing "run\.out" \(where\)$/],
      [{ out: "r", colour: 1 }, /^run: unknown field "colour" \(known: out, steps, lr, seeds, schedule\)$/],
    ];
    for (const [input, message] of bad)
      assert.throws(
        () => resolveConfig(schema, input, "run"),
        (e: unknown) => e instanceof ConfigError && e instanceof UserError && message.test(e.message),
        JSON.stringify(input),
      );
  });

  it("takes JSON as typed: no string is parsed when fromText is false, and never inside a list", () => {
    assert.throws(() => resolveConfig(schema, { out: "r", steps: "20" }, "", false), /steps: expected an integer ≥ 1, got "20"$/);
    assert.throws(() => resolveConfig(schema, { out: "r", seeds: [0, "1"] }), /seeds: expected a non-empty array of integers/);
  });
});
