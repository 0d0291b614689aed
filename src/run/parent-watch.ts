/**
 * Workers that die with their parent. A sweep starts `adept train` workers with
 * {@link PARENT_ENV} set to its pid; a worker watches its parent process id, and when the
 * sweep is gone (killed with -9, so it could not stop them) it sends itself SIGTERM: the
 * trainer checkpoints and exits as on any stop, instead of living on (re-parented to init)
 * beside the worker a rerun of the sweep would start.
 */

/** The environment variable naming the pid a worker watches. */
export const PARENT_ENV = "ADEPT_WATCH_PARENT";

/**
 * When {@link PARENT_ENV} is set, checks every `intervalMs` that this process's parent is
 * still that pid; returns a function that stops watching. Does nothing when it is not set.
 */
export function watchParent(intervalMs = 500, onGone: () => void = () => process.kill(process.pid, "SIGTERM")): () => void {
  const expected = Number(process.env[PARENT_ENV]);
  if (!Number.isInteger(expected) || expected <= 0) return () => {};
  let fired = false;
  const check = (): void => {
    if (fired || process.ppid === expected) return;
    fired = true;
    onGone();
  };
  check(); // the parent may already be gone
  const timer = setInterval(check, intervalMs);
  timer.unref(); // never what keeps the process alive
  return () => clearInterval(timer);
}
