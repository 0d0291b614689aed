/**
 * The run-directory lock (src/run/lock.ts) when a job moves between workers: which lock a
 * worker's trainer may take over, decided from the queue before the trainer starts.
 *
 * A lock from another host cannot be checked there (its pid means nothing here), and a
 * machine lost mid-run leaves its lock behind. The queue knows more: the job's last recorded
 * trainer (the host and pid in its progress, RunProgress) and, for a lock written by a
 * worker's trainer, the job and lock token it ran under (the lock's `job`: its id and a hash
 * of the token). A lock is taken over only when it is a lost trainer's:
 *
 *   no lock, or one of this host whose pid is gone      nothing to decide (lock.ts takes a stale one)
 *   the job's last recorded trainer, or a trainer
 *   whose job lock has expired in BullMQ:
 *     on another host                                    taken over (named to the trainer exactly)
 *     on this host, still alive                          the job waits for it to exit (its worker
 *                                                        is stopping it)
 *   anything else (a trainer whose job lock lives,      the job fails, naming the holder
 *   a run started by hand)
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { describeOwner, type LockOwner, lockPath, processAlive, readLock } from "../lock.js";
import type { RunProgress } from "./sweep.js";

/** What to do about a run directory's lock. */
export type LockVerdict = { kind: "free" } | { kind: "take" | "wait" | "refuse"; owner: LockOwner; why: string };

/** The lock's `job` for a trainer of job `id` under lock `token`: the id and a hash of the token (not the token itself). */
export function lockTag(id: string, token: string): string {
  return `${id} ${tokenHash(token)}`;
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 16);
}

/**
 * Whether the job lock a lock's `job` names still lives: reads that job's lock in Redis
 * (`lockOf(id)`: its current token, or null when it has none) and compares its hash.
 */
export async function jobLockLives(tag: string, lockOf: (id: string) => Promise<string | null>): Promise<boolean> {
  const [id, hash] = tag.split(" ");
  if (!id || !hash) return false;
  const token = await lockOf(id);
  return token !== null && tokenHash(token) === hash;
}

/** The verdict on `dir`'s lock for a job whose last recorded trainer is `last` (see the module comment). */
export async function judgeLock(
  dir: string,
  last: Partial<RunProgress> | undefined,
  lockOf: (id: string) => Promise<string | null>,
): Promise<LockVerdict> {
  const owner = readLock(dir);
  if (owner === undefined) return { kind: "free" };
  const here = owner.host === hostname();
  if (here && !processAlive(owner.pid)) return { kind: "free" };
  let why: string | undefined;
  if (last?.host === owner.host && last.pid === owner.pid) why = "this job's last trainer";
  else if (owner.job !== undefined && !(await jobLockLives(owner.job, lockOf)))
    why = `a trainer of job ${owner.job.split(" ")[0]}, whose lock has expired`;
  if (why === undefined)
    return {
      kind: "refuse",
      owner,
      why: `run directory ${dir} is in use by ${describeOwner(owner)}${owner.job ? ` for job ${owner.job.split(" ")[0]}, whose lock lives` : ", not a trainer of this job"} (if nothing runs there, delete ${lockPath(dir)}; \`--cancel\` and enqueue the sweep again to retry)`,
    };
  return here ? { kind: "wait", owner, why: `${describeOwner(owner)} (${why}) still runs` } : { kind: "take", owner, why };
}
