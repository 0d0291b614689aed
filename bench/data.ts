// Loading a 1M-transition halfcheetah-sized D4RL file (with infos/qpos, infos/qvel and
// action log-probs): load time and peak memory, measured in a fresh process.
// Goal (issue 4): under 3 s and under 2x the raw data size.
//   npm run bench:data            (tsc -p . && node dist/bench/data.js)
//   node dist/bench/data.js [transitions]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dataset, loadDataset, writeD4rl } from "../src/data/index.js";
import { Rng } from "../src/util/rng.js";

const [S, A, P, V] = [17, 6, 9, 9]; // halfcheetah widths (observation, action, qpos, qvel)

async function makeFile(path: string, N: number): Promise<void> {
  const rng = new Rng(0);
  const column = (width: number) => {
    const a = new Float32Array(N * width);
    rng.fillNormal(a);
    return a;
  };
  const timeouts = new Uint8Array(N);
  for (let i = 999; i < N; i += 1000) timeouts[i] = 1;
  const dataset: Dataset = {
    size: N,
    observationDim: S,
    actionDim: A,
    observations: column(S),
    actions: column(A),
    rewards: column(1),
    nextObservations: column(S),
    terminals: new Uint8Array(N),
    timeouts,
    actionLogProbs: column(1),
    qpos: column(P),
    qposDim: P,
    qvel: column(V),
    qvelDim: V,
    metadata: { algorithm: "bench" },
    task: "halfcheetah",
    source: { format: "memory", nextObservations: "file", droppedRows: 0 },
  };
  await writeD4rl(path, dataset);
}

async function measureLoad(path: string): Promise<void> {
  const start = performance.now();
  const dataset = await loadDataset(path);
  const seconds = (performance.now() - start) / 1000;
  const peakBytes = peakRss();
  process.stdout.write(JSON.stringify({ seconds, peakBytes, size: dataset.size, task: dataset.task }));
}

/**
 * Peak resident memory of this process. Why VmHWM: getrusage's maxRSS survives exec on Linux,
 * so a child spawned by a big parent would report the parent's peak.
 */
function peakRss(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--load") return measureLoad(process.argv[3] as string);
  const N = Number(process.argv[2] ?? 1_000_000);
  const dir = join(tmpdir(), "adept-bench");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `halfcheetah-bench-${N}.hdf5`);
  if (!existsSync(path)) {
    const t = performance.now();
    await makeFile(path, N);
    console.log(`wrote ${path} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  }
  const raw = N * (2 * S + A + 1 + 1 + P + V) * 4 + 2 * N; // float32 columns + two flag bytes
  const baseline = spawnSync(
    process.execPath,
    ["-e", "process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))?.[1] * 1024 + '')"],
    { encoding: "utf8" },
  );
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--load", path], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(child.stderr);
    runs.push(JSON.parse(child.stdout) as { seconds: number; peakBytes: number });
  }
  const median = <T>(xs: T[], f: (x: T) => number) => xs.map(f).sort((a, b) => a - b)[1] as number;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const peak = median(runs, (r) => r.peakBytes);
  console.log(`file ${mb(statSync(path).size)}, ${N} transitions, raw data ${mb(raw)}`);
  console.log(`load time (median of 3, fresh process): ${median(runs, (r) => r.seconds).toFixed(2)} s   [goal < 3 s]`);
  console.log(`peak RSS: ${mb(peak)} = ${(peak / raw).toFixed(2)}x raw   [goal < 2x]; bare node process: ${mb(Number(baseline.stdout))}`);
}

await main();
