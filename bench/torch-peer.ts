/**
 * Runs ../shared/bench/torch_ref.py (the PyTorch peer) at 1 and 2 threads and returns the
 * best ms per update for each of its updates, or null when PyTorch is not available
 * (`apt-get install -y python3-torch`).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export function torchPeer(): { ms: Record<string, number>; threads: Record<string, number>; version: string } | null {
  const script = join(process.cwd(), "..", "shared", "bench", "torch_ref.py");
  if (!existsSync(script) || !existsSync("/usr/bin/python3")) return null;
  const ms: Record<string, number> = {};
  const threads: Record<string, number> = {};
  let version = "";
  for (const t of [1, 2]) {
    let out: string;
    try {
      out = execFileSync("/usr/bin/python3", [script, String(t)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return null;
    }
    version = /torch (\S+)/.exec(out)?.[1] ?? version;
    for (const m of out.matchAll(/^(\w+) ms\/update ([\d.]+)/gm)) {
      const v = Number(m[2]);
      if (!(m[1]! in ms) || v < ms[m[1]!]!) {
        ms[m[1]!] = v;
        threads[m[1]!] = t;
      }
    }
  }
  return { ms, threads, version };
}
