// The command line as a newcomer meets it: --version, a usage error that is one line and a
// pointer to --help, `train --help` short and per algorithm, switches as --x / --no-x (the
// old `--x false` still accepted), and every command's help saying what it accepts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Command } from "commander";
import { addSchemaFlags, readSchemaFlags } from "../../src/cli/flags.js";
import { defineConfig } from "../../src/util/config.js";
import { repoRoot } from "../helpers.js";
import { writeTinyHopperJsonl } from "./_fixtures.js";

const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-help-"));

function adept(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, ADEPT_CACHE: join(dir, "cache") } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The names of the subcommands listed in a help text's "Commands:" section. */
function subcommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1];
  if (section === undefined) return [];
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== "help");
}

describe("the command line", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--version prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = adept(flag);
      assert.equal(r.status, 0);
      assert.equal(r.stdout.trim(), version);
    }
  });

  it("a usage error is its one line and a pointer to the command's --help, not the whole help", () => {
    const cases: [string[], RegExp, string][] = [
      [["train", "--algo", "iql", "--dataset", "x", "--out", "y", "--bogus"], /unknown option '--bogus'/, "adept train --help"],
      [["data", "build", "hopper-random", "--size"], /option '--size <n>' argument missing/, "adept data build --help"],
      [["train", "--dataset", "x", "--out", "y"], /required option '--algo <name>' not specified/, "adept train --help"],
      [["nonsense"], /unknown command 'nonsense'/, "adept --help"],
    ];
    for (const [args, message, hint] of cases) {
      const r = adept(...args);
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, /^adept: /);
      assert.match(lines[0]!, message);
      assert.equal(lines[1], `see \`${hint}\``);
    }
  });

  it("train --help lists the run options and the algorithms; --algo <name> --help adds that algorithm's fields", () => {
    const general = adept("train", "--help");
    assert.equal(general.status, 0);
    assert.match(general.stdout, /--steps <n>/);
    assert.match(general.stdout, /--batch-size <n>/);
    assert.match(general.stdout, /Algorithms \(--algo\): bc, cql, iql/);
    assert.doesNotMatch(general.stdout, /--expectile|--cql-alpha/);
    // Run options and the algorithm list only (it was ~285 lines with every algorithm's fields).
    assert.ok(general.stdout.split("\n").length < 80, `train --help is ${general.stdout.split("\n").length} lines`);

    const iql = adept("train", "--algo", "iql", "--help");
    assert.equal(iql.status, 0);
    assert.match(iql.stdout, /--steps <n>/);
    assert.match(iql.stdout, /iql options \(its defaults\):/);
    assert.match(iql.stdout, /--expectile <n> +τ of the expectile loss/);
    assert.match(iql.stdout, /--deterministic-actor \[bool\]/);
    assert.doesNotMatch(iql.stdout, /--cql-alpha|--wm-width/);
    // The same with --help first, and for an ADEPT variant (the learner's and ADEPT's fields).
    assert.match(adept("train", "--help", "--algo", "iql").stdout, /--expectile <n>/);
    const adeptIql = adept("train", "--algo", "adept-iql", "--help").stdout;
    assert.match(adeptIql, /--expectile <n>/);
    assert.match(adeptIql, /--wm-width <n>/);
  });

  it("switches: --x turns on, --no-x off, --x true|false still works, absent is the default", () => {
    const schema = defineConfig({ clip: { default: true, doc: "clip" }, backup: { default: false, doc: "backup" } });
    const parse = (...args: string[]) => {
      const cmd = addSchemaFlags(new Command().exitOverride(), schema);
      cmd.parse(args, { from: "user" });
      return readSchemaFlags(schema, cmd.opts());
    };
    assert.deepEqual(parse(), { clip: true, backup: false });
    assert.deepEqual(parse("--backup", "--no-clip"), { clip: false, backup: true });
    assert.deepEqual(parse("--clip", "false", "--backup", "true"), { clip: false, backup: true });
    assert.deepEqual(parse("--backup", "--clip"), { clip: true, backup: true });
    assert.throws(() => parse("--clip", "maybe"), /--clip: expected true or false, got "maybe"/);
  });

  it("the switches reach the run's config through adept train", () => {
    // The tiny hopper-width JSON Lines dataset, no evaluation.
    const file = writeTinyHopperJsonl(join(dir, "tiny.jsonl"));
    const base = ["--dataset", file, "--steps", "2", "--batch-size", "8", "--hidden-width", "8", "--eval-episodes", "0", "--no-progress"];
    const config = (out: string): Record<string, unknown> =>
      (JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { config: Record<string, unknown> }).config;
    const cases: [string[], boolean][] = [
      [[], true],
      [["--no-auto-alpha"], false],
      [["--auto-alpha", "false"], false],
      [["--auto-alpha"], true],
    ];
    for (const [i, [flags, expected]] of cases.entries()) {
      const out = join(dir, `sac-${i}`);
      const r = adept("train", "--algo", "sac", ...base, "--out", out, ...flags);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(config(out).autoAlpha, expected, flags.join(" "));
    }
  });

  it("every command's help describes the command, each argument and each option", () => {
    const queue: string[][] = [[]];
    let seen = 0;
    while (queue.length > 0) {
      const path = queue.shift()!;
      const r = adept(...path, "--help");
      assert.equal(r.status, 0, `adept ${path.join(" ")} --help: ${r.stderr}`);
      const help = r.stdout;
      const where = `adept ${path.join(" ")} --help`;
      // The description: the paragraph after the usage line.
      assert.match(help, /^Usage: .*\n\n\S/, `${where}: no description`);
      for (const section of ["Arguments", "Options", "Commands"]) {
        const body = help.split(new RegExp(`^${section}:$`, "m"))[1]?.split(/\n\n/)[0];
        if (body === undefined) continue;
        for (const line of body.split("\n").filter((l) => /^ {2}\S/.test(l)))
          assert.match(line, /^ {2}\S.*? {2,}\S/, `${where}: "${line.trim()}" has no description`);
      }
      for (const sub of subcommands(help)) queue.push([...path, sub]);
      seen += 1;
    }
    assert.ok(seen >= 14, `only ${seen} commands found`);
    assert.match(adept("eval", "--help").stdout, /checkpoint/);
  });
});
