/**
 * Fault injection for the crash-safety soak test (test/run/soak.test.ts). With
 * `ADEPT_FAULT_KILL=<point>:<n>` in the environment, the n-th time this process reaches
 * `faultPoint(<point>)` it kills itself with SIGKILL: the only way to put a kill reliably
 * inside a checkpoint write, which takes milliseconds. Without the variable (always, outside
 * that test) a fault point is one comparison.
 */
let armed: { point: string; n: number } | null | undefined;
const seen = new Map<string, number>();

/** The places the training loop offers to the soak test. */
export type FaultPoint = "update" | "log" | "eval" | "unit-agent" | "unit-files" | "unit-renamed" | "unit-current";

export function faultPoint(point: FaultPoint): void {
  if (armed === undefined) {
    const m = /^([a-z-]+):(\d+)$/.exec(process.env.ADEPT_FAULT_KILL ?? "");
    armed = m ? { point: m[1]!, n: Number(m[2]) } : null;
  }
  if (armed === null || armed.point !== point) return;
  const count = (seen.get(point) ?? 0) + 1;
  seen.set(point, count);
  if (count === armed.n) process.kill(process.pid, "SIGKILL");
}
