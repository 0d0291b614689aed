// ADEPT's config: three sections (learner, ADEPT's schedule, world model) that share one flat
// namespace on the command line, resolved once into a nested object.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ADEPT_CONFIG,
  ADEPT_VARIANTS,
  type AdeptVariant,
  joinSections,
  resolveAdeptConfig,
  variantSchema,
  variantSections,
} from "../../src/adept/config.js";
import { ALGORITHMS } from "../../src/agents/registry.js";
import { WORLD_MODEL_CONFIG } from "../../src/diffusion/world-model.js";
import { defaults } from "../../src/util/config.js";

const VARIANTS = Object.keys(ADEPT_VARIANTS) as AdeptVariant[];

describe("ADEPT config", () => {
  it("no two sections of any variant share a field name", () => {
    for (const variant of VARIANTS) {
      const sections = Object.entries(variantSections(variant));
      assert.equal(sections.length, 3);
      for (let i = 0; i < sections.length; i++)
        for (let j = i + 1; j < sections.length; j++) {
          const [a, schemaA] = sections[i]!;
          const [b, schemaB] = sections[j]!;
          const shared = Object.keys(schemaA).filter((name) => name in schemaB);
          assert.deepEqual(shared, [], `${variant}: ${a} and ${b} share ${shared.join(", ")}`);
        }
      const total = sections.reduce((n, [, schema]) => n + Object.keys(schema).length, 0);
      assert.equal(Object.keys(variantSchema(variant)).length, total, `${variant}: the flat schema holds every field once`);
    }
  });

  it("a name two sections share is refused, naming both", () => {
    assert.throws(
      () => joinSections({ learner: { lr: { default: 1, doc: "" } }, worldModel: { lr: { default: 2, doc: "" } } }, "toy"),
      /toy: config field "lr" is in both the learner and the worldModel section/,
    );
  });

  it("the learner's schema is the registry's", () => {
    for (const variant of VARIANTS) assert.equal(variantSections(variant).learner, ALGORITHMS[ADEPT_VARIANTS[variant].learner]!.schema);
  });

  it("splits the flat fields into their sections once, world-model fields without their prefix", () => {
    const c = resolveAdeptConfig("adept-iql", { expectile: "0.8", horizon: 5, wmGuidance: 0.3, wmLr: "1e-4", wmPretrainSteps: 7 });
    assert.equal(c.learner.expectile, 0.8);
    assert.equal(c.adept.horizon, 5);
    assert.equal(c.adept.wmPretrainSteps, 7); // an ADEPT field whose name starts with wm
    assert.equal(c.worldModel.guidance, 0.3);
    assert.equal(c.worldModel.lr, 1e-4);
    assert.deepEqual(Object.keys(c.worldModel).sort(), Object.keys(WORLD_MODEL_CONFIG).sort());
    assert.deepEqual(c.adept, { ...defaults(ADEPT_CONFIG), horizon: 5, wmPretrainSteps: 7 });
    assert.deepEqual(c.learner, { ...defaults(ALGORITHMS.iql!.schema), expectile: 0.8 });
  });

  it("a run's config.json (the flat resolved fields) resolves to the same sections", () => {
    const flat = defaults(variantSchema("adept-sac"));
    const c = resolveAdeptConfig("adept-sac", JSON.parse(JSON.stringify(flat)));
    assert.deepEqual(c, resolveAdeptConfig("adept-sac"));
  });

  it("rejects unknown and ill-typed fields by name, and migrates fields an earlier adept spelled differently", () => {
    assert.throws(() => resolveAdeptConfig("adept-iql", { guidance: 0.3 }), /adept-iql: unknown field "guidance"/);
    assert.throws(() => resolveAdeptConfig("adept-iql", { wmGuidance: "lots" }), /adept-iql\.wmGuidance: expected a number/);
    // SAC's config before the per-dimension target entropy: `targetEntropy: null` meant −|A|.
    assert.equal(resolveAdeptConfig("adept-sac", { targetEntropy: null }).learner.targetEntropyPerDim, -1);
  });

  it("adept-bc clones a Gaussian policy", () => {
    assert.equal(resolveAdeptConfig("adept-bc").learner.policy, "gaussian");
  });
});
