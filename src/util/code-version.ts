/**
 * Which code made a result: the package's version and, when adept runs from a git checkout
 * of its own, the commit and whether the code differs from it. Runs and world-model stages
 * record it beside the kernels (docs/training.md, "config.json"), because two runs can be
 * compared seed by seed only when the same code made them: a change of an ulp in one kernel
 * moves every later number of a training run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

export interface CodeRecord {
  /** package.json's version. */
  version: string;
  /** The checkout's commit (40 hex digits); absent outside a git checkout of adept itself. */
  commit?: string;
  /** true when tracked code (src/, native/, the build and lock files) differs from `commit`; absent when git could not tell. */
  dirty?: boolean;
}

/** The paths whose changes alter what a run computes (results/, docs/ and tests do not). */
const CODE_PATHS = ["src", "native", "binding.gyp", "package.json", "package-lock.json"];

/** The package's version, from the package.json at its root (the one npm installed). */
export function packageVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
}

/** git's output in `root`, or undefined when git is missing, refuses, fails or hangs. */
function git(root: string, args: string[]): string | undefined {
  // The repository is the one at root, whatever a caller's environment points git at (a hook's GIT_DIR, GIT_INDEX_FILE, …).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GIT_")));
  try {
    // --no-optional-locks: `status` would otherwise take .git/index.lock for a moment, and a
    // sweep starting runs could make the user's own `git commit` fail.
    return execFileSync("git", ["--no-optional-locks", ...args], {
      cwd: root,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined;
  }
}

/** The {@link CodeRecord} of the adept package at `root`. */
export function codeRecordOf(root: string): CodeRecord {
  const record: CodeRecord = { version: packageVersion(root) };
  // Only a repository whose top is adept's own root (root's path inside it is ""): an adept
  // installed under node_modules of a user's project lies inside the user's repository, whose
  // commit says nothing about adept. (The prefix, not a comparison of paths: git resolves symlinks.)
  const commit = git(root, ["rev-parse", "--show-prefix"]) === "" ? git(root, ["rev-parse", "HEAD"]) : undefined;
  if (commit) {
    record.commit = commit;
    const status = git(root, ["status", "--porcelain", "--untracked-files=no", "--", ...CODE_PATHS]);
    if (status !== undefined) record.dirty = status !== "";
  }
  return record;
}

let cached: CodeRecord | undefined;

/** This process's {@link CodeRecord} (computed once: git runs three times, a few milliseconds). */
export function codeRecord(): CodeRecord {
  cached ??= codeRecordOf(packageRoot());
  return cached;
}

/** `0.1.0 at 2ebbafc` (`, modified` when dirty), or the version alone outside a checkout. */
export function codeLabel(code: CodeRecord): string {
  if (!code.commit) return code.version;
  return `${code.version} at ${code.commit.slice(0, 7)}${code.dirty ? ", modified" : ""}`;
}

/** Writes the `note:` a resume prints when `now` may be other code than `before` (`what` was trained so far by it); nothing otherwise. */
export function noteCodeChange(what: string, before: CodeRecord | undefined, now: CodeRecord, step: number, numbers: string): void {
  if (!before || !codeMayDiffer(before, now)) return;
  process.stderr.write(
    `note: ${what} was trained so far by adept ${codeLabel(before)} and goes on with ${codeLabel(now)}: ${numbers} from step ${step} on may be of other code\n`,
  );
}

/**
 * Whether two records may name different code: another version or commit, a commit on one side
 * only (a checkout against an installed copy), or modified code on either side (two modified
 * trees at one commit cannot be told apart). Absent records are no evidence.
 */
export function codeMayDiffer(a: CodeRecord | undefined, b: CodeRecord | undefined): boolean {
  if (!a || !b) return false;
  if (a.version !== b.version || (a.commit === undefined) !== (b.commit === undefined)) return true;
  return a.commit !== b.commit || a.dirty === true || b.dirty === true;
}
