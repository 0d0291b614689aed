/**
 * Which code made a result: the package's version and, when adept runs from a git checkout
 * of its own, the commit and whether the code differs from it. Runs and world-model stages
 * record it beside the kernels (docs/training.md, "config.json"), because two runs can be
 * compared seed by seed only when the same code made them: a change of an ulp in one kernel
 * moves every later number of a training run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "./package-root.js";

export interface CodeRecord {
  /** package.json's version. */
  version: string;
  /** The checkout's commit (40 hex digits); absent outside a git checkout of adept itself. */
  commit?: string;
  /** true when tracked code (src/, native/, the build and lock files) differs from `commit`. */
  dirty?: boolean;
}

/** The paths whose changes alter what a run computes (results/, docs/ and tests do not). */
const CODE_PATHS = ["src", "native", "binding.gyp", "package.json", "package-lock.json"];

/** The package's version, from the package.json at its root (the one npm installed). */
export function packageVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined; // no git, or not a repository
  }
}

/** The {@link CodeRecord} of the adept package at `root`. */
export function codeRecordOf(root: string): CodeRecord {
  const record: CodeRecord = { version: packageVersion(root) };
  // Only a repository whose top is adept's own root: an adept installed under node_modules of
  // a user's project lies inside the user's repository, whose commit says nothing about adept.
  const top = git(root, ["rev-parse", "--show-toplevel"]);
  const commit = top !== undefined && resolve(top) === resolve(root) ? git(root, ["rev-parse", "HEAD"]) : undefined;
  if (commit) {
    record.commit = commit;
    record.dirty = (git(root, ["status", "--porcelain", "--untracked-files=no", "--", ...CODE_PATHS]) ?? "") !== "";
  }
  return record;
}

let cached: CodeRecord | undefined;

/** This process's {@link CodeRecord} (computed once: git runs three times, a few milliseconds). */
export function codeRecord(): CodeRecord {
  cached ??= codeRecordOf(packageRoot());
  return cached;
}

/** `0.4.0 at 2ebbafc` (`, modified` when dirty), or the version alone outside a checkout. */
export function codeLabel(code: CodeRecord): string {
  if (!code.commit) return code.version;
  return `${code.version} at ${code.commit.slice(0, 7)}${code.dirty ? ", modified" : ""}`;
}

/**
 * Whether two records may name different code: another commit, or modified code on either side
 * (two modified trees at one commit cannot be told apart). Absent records are no evidence.
 */
export function codeMayDiffer(a: CodeRecord | undefined, b: CodeRecord | undefined): boolean {
  if (!a || !b) return false;
  if (a.commit && b.commit) return a.commit !== b.commit || a.dirty === true || b.dirty === true;
  return a.version !== b.version;
}
