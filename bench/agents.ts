/**
 * `npm run bench:agents`: updates per second of every offline agent at D4RL sizes (obs 17,
 * act 6, batch 256, networks as configured by default), with the PyTorch peer's IQL and
 * SAC updates from the same invocation where available. Medians over repeated updates.
 *
 *   node dist/bench/agents.js [--repeats 200] [--no-torch]
 */
import { ALGORITHMS, makeAgent } from "../src/agents/registry.js";
import { allocateBatch } from "../src/data/replay.js";
import { kernels } from "../src/tensor/backend.js";
import { Rng } from "../src/util/rng.js";
import { medianMs } from "./timing.js";
import { torchPeer } from "./torch-peer.js";

const args = process.argv.slice(2);
const repeatsArg = args.indexOf("--repeats");
const repeats = repeatsArg >= 0 ? Number(args[repeatsArg + 1]) : 200;
const S = 17,
  A = 6,
  B = 256;
const rng = new Rng(0);
const batch = allocateBatch({ observationDim: S, actionDim: A }, B);
rng.fillNormal(batch.observations);
rng.fillNormal(batch.nextObservations);
rng.fillUniform(batch.actions, -1, 1);
rng.fillNormal(batch.rewards);

console.log(`adept bench:agents — kernels ${kernels().name}, batch ${B}, obs ${S}, act ${A}, ${repeats} repeats (median)`);
const ours: Record<string, number> = {};
for (const algo of Object.keys(ALGORITHMS)) {
  const agent = makeAgent(algo, S, A, {}, 0);
  ours[algo] = medianMs(() => agent.update(batch), algo === "cql" ? Math.max(20, repeats / 10) : repeats);
}
const peer = args.includes("--no-torch") ? null : torchPeer();
console.log("agent   ms/update  updates/s  torch ms  speed-up");
for (const [algo, ms] of Object.entries(ours)) {
  const t = peer?.ms[algo];
  console.log(
    `${algo.padEnd(6)}  ${ms.toFixed(2).padStart(9)}  ${(1000 / ms).toFixed(0).padStart(9)}  ${t ? t.toFixed(2).padStart(8) : "       –"}  ${t ? `${(t / ms).toFixed(2)}x` : "–"}`,
  );
}
if (peer)
  console.log(
    `PyTorch ${peer.version} (torch_ref.py, best of 1 and 2 threads): same machine, same invocation. Its IQL/SAC updates are the reference's, ours are the agents' own (CORL order; critic weight gradients skipped in actor losses).`,
  );
