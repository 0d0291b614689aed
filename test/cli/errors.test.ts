// How errors reach the user through the real `adept` binary: bad input (a UserError: a
// missing directory, a bad flag, an unknown environment, a bad run option) is one line
// and exit status 1; anything else is a bug, shown with its stack and exit status 70. The
// internal error is a real fault injected into node:fs by a preloaded module, so no code
// path exists in adept for the test's sake.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { RUN_OPTIONS } from "../../src/run/options.js";
import { trainOffline } from "../../src/run/train.js";
import { kebab } from "../../src/util/config.js";
import { UserError } from "../../src/util/errors.js";
import { repoRoot } from "../helpers.js";

const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-errors-"));

function adept(args: string[], nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, main, ...args], {
    encoding: "utf8",
    env: { ...process.env, ADEPT_CACHE: join(dir, "cache") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
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
    const hook = join(dir, "fault.mjs");
    writeFileSync(
      hook,
      'import fs from "node:fs";\nimport { syncBuiltinESMExports } from "node:module";\n' +
        'fs.statSync = () => { throw new TypeError("injected fault"); };\nsyncBuiltinESMExports();\n',
    );
    const r = adept(["report", runs, "--out", join(dir, "r")], ["--import", hook]);
    assert.equal(r.status, 70, r.stderr);
    assert.match(r.stderr, /^adept: internal error \(a bug in adept/);
    assert.match(r.stderr, /TypeError: injected fault\n\s+at /);
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
