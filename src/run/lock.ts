/**
 * One writer per run directory. A trainer holds `<run>/.lock` for as long as it writes there:
 * a JSON file with its pid, host and start time, created exclusively (`O_EXCL`), so a second
 * `adept train` (or a `--resume` beside a live trainer, or a sweep worker) is refused with one
 * line naming the holder. A lock whose process is gone (same host, pid not alive) is stale
 * and taken over; a lock from another host cannot be checked and is reported as held —
 * except for a trainer started by a queue worker ({@link TAKE_OVER_FOREIGN_ENV}): the queue
 * hands a run to one worker at a time, so a lock another machine left is a lost worker's.
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
}

/**
 * Set (to "1") by `adept worker` for its trainers: the queue's job lock already makes the
 * worker the run's only owner, and a machine lost mid-run (its worker and trainer gone
 * without a word) leaves a lock from its host that nobody could otherwise check; the
 * trainer takes such a lock over, saying so. A live lock from this host is still refused.
 */
export const TAKE_OVER_FOREIGN_ENV = "ADEPT_LOCK_TAKE_OVER_FOREIGN";

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
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
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
        if (process.env[TAKE_OVER_FOREIGN_ENV] !== "1")
          throw new UserError(
            `run directory ${dir} is in use by ${describeOwner(holder)}: wait for it to end (if it is not running, delete ${path})`,
          );
        process.stderr.write(`taking over the lock of ${dir} from ${describeOwner(holder)}: the queue gave this run to this worker\n`);
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
