// The code record runs keep: the package's version, and in a git checkout of adept itself its
// commit and whether the code (not results or docs) differs from it; never the commit of a
// repository adept merely lies inside. Real git repositories in a temporary folder.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { codeLabel, codeMayDiffer, codeRecord, codeRecordOf, packageVersion } from "../../src/util/code-version.js";
import { repoRoot } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "adept-code-"));
// A repository of its own, whatever the caller's git settings and environment (a hook's GIT_DIR, signing).
const gitEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GIT_")));
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    env: gitEnv,
    encoding: "utf8",
  }).trim();

/** A package folder with a package.json, src/ and results/, committed to a repository of its own. */
function packageRepo(at: string): string {
  mkdirSync(join(at, "src"), { recursive: true });
  mkdirSync(join(at, "results"), { recursive: true });
  writeFileSync(join(at, "package.json"), JSON.stringify({ name: "adept", version: "9.8.7" }));
  writeFileSync(join(at, "src", "core.ts"), "export const x = 1;\n");
  writeFileSync(join(at, "results", "run.json"), "{}\n");
  git(at, "init", "-q");
  git(at, "add", "-A");
  git(at, "commit", "-qm", "first", "--no-verify");
  return git(at, "rev-parse", "HEAD");
}

describe("code record", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names the version, the commit, and whether the code differs from it", () => {
    const at = join(dir, "repo");
    const commit = packageRepo(at);
    assert.match(commit, /^[0-9a-f]{40}$/);
    assert.deepEqual(codeRecordOf(at), { version: "9.8.7", commit, dirty: false });
    // reached through a symlink (git names the resolved path): still adept's own checkout
    symlinkSync(at, join(dir, "linked"));
    assert.equal(codeRecordOf(join(dir, "linked")).commit, commit);
    // A changed result is not a change of code; a changed source file is.
    writeFileSync(join(at, "results", "run.json"), '{"score": 1}\n');
    assert.equal(codeRecordOf(at).dirty, false);
    writeFileSync(join(at, "src", "core.ts"), "export const x = 2;\n");
    assert.deepEqual(codeRecordOf(at), { version: "9.8.7", commit, dirty: true });
    assert.equal(codeLabel(codeRecordOf(at)), `9.8.7 at ${commit.slice(0, 7)}, modified`);
  });

  it("gives the version alone outside a checkout, and inside a repository that is not adept's", () => {
    const plain = join(dir, "plain");
    mkdirSync(plain);
    writeFileSync(join(plain, "package.json"), JSON.stringify({ version: "1.2.3" }));
    assert.deepEqual(codeRecordOf(plain), { version: "1.2.3" });
    // adept installed under a user's project: node_modules/adept inside the user's repository
    const user = join(dir, "user");
    packageRepo(user);
    const installed = join(user, "node_modules", "adept");
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, "package.json"), JSON.stringify({ version: "1.2.3" }));
    assert.deepEqual(codeRecordOf(installed), { version: "1.2.3" });
    assert.equal(codeLabel({ version: "1.2.3" }), "1.2.3");
  });

  it("this process's record is of this checkout", () => {
    const version = (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string }).version;
    assert.equal(packageVersion(), version);
    assert.equal(codeRecord().version, version);
    assert.strictEqual(codeRecord(), codeRecord(), "computed once");
  });

  it("tells when two records may name different code", () => {
    const a = { version: "1.0.0", commit: "a".repeat(40), dirty: false };
    const b = { version: "1.0.0", commit: "b".repeat(40), dirty: false };
    assert.equal(codeMayDiffer(a, { ...a }), false);
    assert.equal(codeMayDiffer(a, b), true);
    assert.equal(codeMayDiffer(a, { ...a, dirty: true }), true, "modified code may be anything");
    assert.equal(codeMayDiffer({ version: "1.0.0" }, { version: "1.0.0" }), false, "two installed copies of one version");
    assert.equal(codeMayDiffer({ version: "1.0.0" }, { version: "1.0.1" }), true);
    assert.equal(codeMayDiffer({ version: "1.0.0" }, a), true, "an installed copy against a checkout");
    assert.equal(codeMayDiffer(undefined, a), false, "an older run recorded none: no evidence");
  });
});
