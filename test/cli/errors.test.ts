// How errors reach the user through the real `adept` binary: bad input (a UserError: a
// missing directory, a bad flag, an unknown environment, a bad run option) is one line
// and exit status 1; anything else is a bug, shown with its stack and exit status 70. The
// internal error is a real fault injected into node:fs by a preloaded module, so no code
// path exists in adept for the test's sake. A bad agent checkpoint or world-model file
// (missing, truncated, foreign, or shaped unlike what it says it holds) is the user's: one
// line naming it from every command that reads one, while an I/O fault reading it is not.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { saveAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { makeAgent } from "../../src/agents/registry.js";
import { loadDataset } from "../../src/data/load.js";
import { datasetStats } from "../../src/data/normalizer.js";
import { DiffusionWorldModel } from "../../src/diffusion/world-model.js";
import { loadTensors, saveTensors } from "../../src/nn/serialize.js";
import { RUN_OPTIONS } from "../../src/run/options.js";
import { trainOffline } from "../../src/run/train.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { kebab } from "../../src/util/config.js";
import { UserError } from "../../src/util/errors.js";
import { repoRoot } from "../helpers.js";
import { writeTinyHopperJsonl } from "./_fixtures.js";

const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-errors-"));

function adept(args: string[], nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, main, ...args], {
    encoding: "utf8",
    env: { ...process.env, ADEPT_CACHE: join(dir, "cache") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A preloaded module that makes node:fs fail as `fault` says (it has `fs` and `file` in scope). */
function faultHook(name: string, fault: string): string {
  const hook = join(dir, name);
  writeFileSync(
    hook,
    `import fs from "node:fs";\nimport { syncBuiltinESMExports } from "node:module";\n${fault}\nsyncBuiltinESMExports();\n`,
  );
  return hook;
}

/** An internal error: exit status 70, "internal error" and the stack of `error`. */
function assertInternalError(r: ReturnType<typeof adept>, error: RegExp): void {
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /^adept: internal error \(a bug in adept/);
  assert.match(r.stderr, new RegExp(`${error.source}\n\\s+at `));
}

/** A user error: exit status 1 and exactly one line on stderr, `adept: …`, without a stack. */
function assertUserError(r: ReturnType<typeof adept>, message: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0]!, /^adept: /);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe("CLI errors", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a user error is one line naming what is wrong, exit status 1, no stack", () => {
    assertUserError(adept(["report", join(dir, "nowhere"), "--out", join(dir, "r")]), /no such directory: .*nowhere/);
    assertUserError(
      adept(["train", "--algo", "bc", "--dataset", "x", "--out", join(dir, "t"), "--steps", "ten"]),
      /--steps must be an integer ≥ 1, got "ten"/,
    );
    assertUserError(
      adept(["train", "--algo", "bc", "--dataset", join(dir, "none.hdf5"), "--out", join(dir, "t")]),
      /none\.hdf5: no such file/,
    );
    assertUserError(adept(["env", "info", "cartpole"]), /unknown environment "cartpole"/);
    assertUserError(adept(["sweep", join(dir, "missing.json"), "--status"]), /sweep spec .*missing\.json: /);
    assertUserError(adept(["data", "train-policy", "hopper", "--seed", "1.5"]), /--seed must be an integer ≥ 0, got "1\.5"/);
  });

  it("an internal error is shown as a bug, with its stack, exit status 70", () => {
    const runs = join(dir, "runs");
    mkdirSync(runs, { recursive: true });
    const hook = faultHook("fault.mjs", 'fs.statSync = () => { throw new TypeError("injected fault"); };');
    const r = adept(["report", runs, "--out", join(dir, "r")], ["--import", hook]);
    assertInternalError(r, /TypeError: injected fault/);
  });

  describe("a bad checkpoint or world model is one line naming the file, from every command that reads one", () => {
    const file = (name: string): string => join(dir, "files", name);
    const data = file("tiny.jsonl");
    const checkpoint = file("agent.safetensors");
    const model = file("world-model.safetensors");
    before(async () => {
      mkdirSync(join(dir, "files"), { recursive: true });
      const dataset = await loadDataset(writeTinyHopperJsonl(data));
      saveAgentCheckpoint(checkpoint, makeAgent("iql", 11, 3, { hiddenWidth: 16 }), { stats: datasetStats(dataset), task: "hopper" });
      // Truncated: the header is whole, the tensors are cut off.
      copyFileSync(checkpoint, file("truncated.safetensors"));
      truncateSync(file("truncated.safetensors"), Math.floor(statSync(checkpoint).size / 2));
      // Foreign: a valid tensor file that is not an agent checkpoint.
      saveTensors(file("foreign.safetensors"), { w: Tensor.from([[1, 2]]) }, { format: "someone-else" });
      // Mismatched: the metadata says width 32, the tensors are of width 16.
      const { tensors, metadata } = loadTensors(checkpoint);
      saveTensors(file("mismatched.safetensors"), tensors, {
        ...metadata,
        config: metadata.config!.replace('"hiddenWidth":16', '"hiddenWidth":32'),
      });
      DiffusionWorldModel.fromDataset(dataset, { width: 16, depth: 1, denoisingSteps: 3 }).save(model);
      copyFileSync(model, file("truncated-wm.safetensors"));
      truncateSync(file("truncated-wm.safetensors"), Math.floor(statSync(model).size / 2));
    });
    const readers: [string, (f: string) => string[]][] = [
      ["eval", (f) => ["eval", "--env", "hopper", "--policy", f, "--episodes", "1"]],
      ["export", (f) => ["export", f, "--out", file("policy.onnx")]],
      ["ope", (f) => ["ope", "--policy", f, "--dataset", data]],
    ];
    const cases: [string, RegExp][] = [
      ["missing.safetensors", /missing\.safetensors/],
      ["truncated.safetensors", /truncated\.safetensors: tensor ".*" ends at byte \d+ of a \d+-byte file: truncated/],
      ["foreign.safetensors", /foreign\.safetensors: not an adept agent checkpoint \(format "someone-else"\)/],
      ["mismatched.safetensors", /mismatched\.safetensors: .*parameter ".*" has shape \[\d+,16\], expected \[\d+,32\]/],
    ];
    for (const [command, args] of readers)
      it(`adept ${command}: a missing, truncated, foreign or mismatched checkpoint`, () => {
        for (const [name, message] of cases) assertUserError(adept(args(file(name))), message);
      });

    it("adept wm eval and adept ope: a truncated world model", () => {
      const truncated = /truncated-wm\.safetensors: truncated: \d+ bytes, its header describes \d+/;
      assertUserError(adept(["wm", "eval", "--model", file("truncated-wm.safetensors"), "--dataset", data]), truncated);
      assertUserError(
        adept(["ope", "--policy", checkpoint, "--dataset", data, "--method", "model", "--world-model", file("truncated-wm.safetensors")]),
        truncated,
      );
      assertUserError(
        adept(["wm", "eval", "--model", checkpoint, "--dataset", data]),
        /agent\.safetensors: not an adept world model \(format "adept-agent"\)/,
      );
    });

    it("an I/O fault while reading a good checkpoint is not the user's: internal error with its stack", () => {
      const hook = faultHook(
        "eio.mjs",
        "const read = fs.readFileSync;\n" +
          'fs.readFileSync = (file, ...rest) => { if (String(file).endsWith(".safetensors")) throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" }); return read(file, ...rest); };',
      );
      assertInternalError(adept(["export", checkpoint, "--out", file("policy.onnx")], ["--import", hook]), /Error: EIO: i\/o error, read/);
    });
  });

  it("run options come from one schema: every field is a flag with its doc and default in --help", () => {
    const help = adept(["train", "--help"]).stdout.replace(/\s+/g, " ");
    for (const [name, field] of Object.entries(RUN_OPTIONS)) {
      assert.ok(help.includes(`--${kebab(name)} <${typeof field.default === "number" ? "n" : "value"}>`), `--${kebab(name)} in --help`);
      const shown = typeof field.default === "string" ? JSON.stringify(field.default) : String(field.default);
      assert.ok(help.includes(`${field.doc} (default: ${shown})`), `${name}'s doc and default in --help`);
    }
  });

  it("trainOffline rejects a bad run option with a UserError naming it, before touching the disk", async () => {
    const out = join(dir, "never");
    await assert.rejects(
      trainOffline({ algo: "bc", dataset: "x", out, steps: 0 }),
      (e: unknown) => e instanceof UserError && /^steps: expected an integer ≥ 1, got 0$/.test(e.message),
    );
    await assert.rejects(trainOffline({ algo: "bc", dataset: "x", out, evalEvery: 2.5 }), /evalEvery: expected an integer ≥ 0, got 2\.5/);
    await assert.rejects(
      trainOffline({ algo: "nope", dataset: "x", out }),
      (e: unknown) => e instanceof UserError && /unknown algorithm "nope"/.test(e.message),
    );
    assert.ok(!existsSync(out));
  });
});
