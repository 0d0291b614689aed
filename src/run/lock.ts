/**
 * One writer per run directory. A trainer holds `<run>/.lock` for as long as it writes there:
 * a JSON file with its pid, host and start time, created exclusively (`O_EXCL`), so a second
 * `adept train` (or a `--resume` beside a live trainer, or a sweep worker) is refused with one
 * line naming the holder. A lock whose process is gone (same host, pid not alive) is stale
 * and taken over; a lock from another host cannot be checked and is reported as held —
 * except the one lock a queue worker names to its trainer ({@link TAKE_OVER_ENV}): the
 * worker has judged, from the queue, that its writer is a lost worker's trainer
 * (src/run/queue/takeover.ts).
 */
import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UserError } from "../util/errors.js";

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** For a trainer started by a queue worker: `<job id> <hash of the job's lock token>` ({@link LOCK_JOB_ENV}). */
  job?: string;
}

/**
 * Set by `adept worker` for its trainers to the one lock they may take over from another
 * host: the JSON of its {@link LockOwner} (pid, host and since must all match). A machine
 * lost mid-run leaves a lock from its host that nobody could otherwise check; the worker
 * names it only when the queue shows that its writer was a lost worker's trainer (the job's
 * last recorded trainer, or a trainer whose job lock has expired). Any other foreign lock,
 * and a live one of this host, is still refused.
 */
export const TAKE_OVER_ENV = "ADEPT_LOCK_TAKE_OVER";

/** Set by `adept worker` for its trainers: recorded as the lock's `job`, so that a later worker can ask the queue whether that job's lock still lives. */
export const LOCK_JOB_ENV = "ADEPT_LOCK_JOB";

/** The lock file of a run directory. */
export function lockPath(dir: string): string {
  return join(dir, ".lock");
}

/** True when `pid` names a live process on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, but another user's
  }
}

/** The owner recorded in a run directory's lock, or undefined when there is none (or it is unreadable). */
export function readLock(dir: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(lockPath(dir), "utf8")) as LockOwner;
    return typeof owner.pid === "number" && typeof owner.host === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of a run directory's lock, or undefined when it is free or stale. */
export function lockHolder(dir: string): LockOwner | undefined {
  const owner = readLock(dir);
  if (owner === undefined) return undefined;
  if (owner.host === hostname() && !processAlive(owner.pid)) return undefined;
  return owner;
}

/** "pid 123 on host h (since …)". */
export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on host ${owner.host} (since ${owner.since})`;
}

/** A held lock; {@link release} removes the file (if it is still ours). */
export class RunLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    // A process that exits without releasing (process.exit, an uncaught error) still frees the run.
    process.on("exit", this.onExit);
  }

  /**
   * Takes the lock of `dir` (which must exist), or throws a {@link UserError} naming the
   * process that holds it. A stale lock (its process is gone) is replaced.
   */
  static acquire(dir: string): RunLock {
    const job = process.env[LOCK_JOB_ENV];
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...(job ? { job } : {}) };
    const path = lockPath(dir);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(path, owner)) return new RunLock(dir, owner);
      const holder = readLock(dir);
      if (holder === undefined) {
        // Unreadable: a lock being written this instant, or a torn file from a crash. Look again.
        if (attempt < 2) continue;
        throw new UserError(`run directory ${dir} has an unreadable lock file ${path}: delete it if no trainer is running there`);
      }
      if (holder.host !== hostname()) {
        if (!sameOwner(holder, takeOverOwner()))
          throw new UserError(
            `run directory ${dir} is in use by ${describeOwner(holder)}: wait for it to end (if it is not running, delete ${path})`,
          );
        process.stderr.write(
          `taking over the lock of ${dir} from ${describeOwner(holder)}: a lost worker's trainer (the queue gave its job to this worker)\n`,
        );
        breakStale(path, holder);
        continue;
      }
      if (processAlive(holder.pid))
        throw new UserError(`run directory ${dir} is in use by ${describeOwner(holder)}: wait for it to end, or stop it first`);
      breakStale(path, holder);
    }
    throw new UserError(`run directory ${dir}: could not take its lock ${path} (another process keeps replacing it)`);
  }

  /** Removes the lock file, if it still names this process. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off("exit", this.onExit);
    const now = readLock(this.dir);
    if (now && now.pid === this.owner.pid && now.host === this.owner.host && now.since === this.owner.since)
      rmSync(lockPath(this.dir), { force: true });
  }
}

/** The lock {@link TAKE_OVER_ENV} names, if any. */
function takeOverOwner(): LockOwner | undefined {
  const text = process.env[TAKE_OVER_ENV];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    throw new UserError(`${TAKE_OVER_ENV}: not the JSON of a lock owner: ${text}`);
  }
}

/** The same lock: pid, host and time taken all equal (a later lock of the same pid is another). */
export function sameOwner(a: LockOwner | undefined, b: LockOwner | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.host === b.host && a.since === b.since;
}

/** Creates the lock file exclusively; false when it exists. The content is complete before the file appears under its name. */
function tryCreate(path: string, owner: LockOwner): boolean {
  // Written to a private name and hard-linked into place: link() fails if the lock exists, and
  // a reader never sees a half-written lock.
  const temp = `${path}.new-${process.pid}`;
  const fd = openSync(temp, "w");
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Removes a stale lock. Two processes may find the same stale lock at once; each moves the
 * file aside under its own name and checks it moved the stale one. One that moved a fresh
 * lock instead (the other process already replaced it) puts it back.
 */
function breakStale(path: string, stale: LockOwner): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // someone else removed it
    throw error;
  }
  let moved: LockOwner | undefined;
  try {
    moved = JSON.parse(readFileSync(aside, "utf8")) as LockOwner;
  } catch {
    moved = undefined;
  }
  if (moved && (moved.pid !== stale.pid || moved.since !== stale.since) && !existsSync(path)) {
    try {
      linkSync(aside, path); // a live lock: back where it was
    } catch {
      // A third process created one meanwhile; that one stands.
    }
  }
  rmSync(aside, { force: true });
}
