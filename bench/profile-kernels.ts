/**
 * Where an update's time goes: wraps every function of the current kernel set with a
 * timer, runs the update, and reports ms per update in each kernel and in the rest (the
 * JavaScript ops, tape and pool). Times are the process's CPU time (getrusage), so that
 * time spent descheduled on a shared machine does not count; run it with one thread. The
 * timer's own cost (~1 µs a call) lands in the kernels' share.
 */
import { kernels, setKernels } from "../src/tensor/backend.js";
import type { Kernels } from "../src/tensor/kernels.js";

/** CPU time of this process (all threads), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function profileKernels(update: () => void, n: number): { totalMs: number; lines: string[] } {
  const inner = kernels();
  const spent = new Map<string, number>();
  const wrapped = { name: inner.name } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(inner)) {
    if (typeof fn !== "function") continue;
    wrapped[name] = (...a: unknown[]) => {
      const t0 = cpuMs();
      const out = (fn as (...x: unknown[]) => unknown)(...a);
      spent.set(name, (spent.get(name) ?? 0) + cpuMs() - t0);
      return out;
    };
  }
  for (let i = 0; i < 10; i++) update();
  setKernels(wrapped as unknown as Kernels);
  const t0 = cpuMs();
  try {
    for (let i = 0; i < n; i++) update();
  } finally {
    setKernels(inner);
  }
  const totalMs = (cpuMs() - t0) / n;
  let inKernels = 0;
  const lines = [...spent.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => {
      inKernels += ms / n;
      return `${name} ${(ms / n).toFixed(3)}`;
    });
  lines.push(`other (JS) ${(totalMs - inKernels).toFixed(3)}`);
  return { totalMs, lines };
}
