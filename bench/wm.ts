/**
 * `npm run bench:wm` (tsc, then `node dist/bench/wm.js`): the diffusion world model's speed —
 * median ms per denoiser training step (batch 256, the paper's 3×256 denoiser) next to the
 * PyTorch peer's DDPM step from ../shared/bench/torch_ref.py, and sampled transitions per
 * second (batch 1024, K = 10, guided: two denoiser passes per step).
 *
 *   node dist/bench/wm.js [--repeats 100] [--no-torch]
 *   node dist/bench/wm.js --quality [--transitions 20000] [--steps 3000]
 *
 * `--quality` builds a small hopper dataset with uniform random actions (logged qpos/qvel),
 * trains the diffusion model and the Gaussian-ensemble baseline with the same budget through
 * `adept wm train --baseline`, and prints `adept wm eval --physics` for both.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { register } from "../src/cli/wm.js";
import { allocateBatch, writeD4rl } from "../src/data/index.js";
import { DiffusionWorldModel } from "../src/diffusion/index.js";
import { makeEnv } from "../src/envs/index.js";
import { kernels } from "../src/tensor/index.js";
import { Rng } from "../src/util/rng.js";
import { randomPhysicsDataset, toyDataset } from "../test/diffusion/_fixtures.js";
import { medianMs } from "./timing.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

const time = (fn: () => void, n: number, warm = 10): number => medianMs(fn, n, warm);

function torchDdpm(): number | null {
  if (args.includes("--no-torch")) return null;
  const script = join(process.cwd(), "..", "shared", "bench", "torch_ref.py");
  if (!existsSync(script) || !existsSync("/usr/bin/python3")) return null;
  try {
    const out = execFileSync("/usr/bin/python3", [script, "2"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const m = /^ddpm ms\/update ([\d.]+)/m.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function speed(): Promise<void> {
  const repeats = flag("--repeats", 100);
  const S = 17,
    A = 6;
  const data = toyDataset(4096, S, A, new Rng(0), { next: (s, a) => s.map((v, j) => 0.9 * v + 0.1 * a[j % A]!) });
  const model = DiffusionWorldModel.fromDataset(data, {}, 0); // the paper's sizes: K 10, 3×256, batch 256
  const batch = allocateBatch(data, 256);
  batch.observations.set(data.observations.subarray(0, 256 * S));
  batch.actions.set(data.actions.subarray(0, 256 * A));
  batch.nextObservations.set(data.nextObservations.subarray(0, 256 * S));
  const x0 = model.ddpm; // the denoiser step alone, as the PyTorch peer measures it
  const { Tensor, randomUniform, scope } = await import("../src/tensor/index.js");
  const rng = new Rng(1);
  const xs = randomUniform(256, S, rng, -1, 1),
    cs = randomUniform(256, S + A, rng, -1, 1);
  const denoiserMs = time(() => void x0.update(xs, cs, null, rng), repeats);
  const fullMs = time(() => void model.update(batch), repeats);
  const obs = data.observations.subarray(0, 1024 * S),
    act = data.actions.subarray(0, 1024 * A);
  const sampleMs = time(() => void model.step(obs, act, 1024, rng), Math.max(10, Math.floor(repeats / 5)), 3);
  void Tensor;
  void scope;
  const torch = torchDdpm();
  console.log(`adept bench:wm — kernels ${kernels().name}, S ${S}, A ${A}, denoiser 3×256, K 10`);
  console.log(
    `denoiser training step (batch 256)          ${denoiserMs.toFixed(3)} ms  (${(1000 / denoiserMs).toFixed(0)} steps/s)${torch ? `   PyTorch peer ${torch.toFixed(3)} ms → ${(torch / denoiserMs).toFixed(2)}x` : "   (PyTorch peer not run)"}`,
  );
  console.log(`world-model update (denoiser + f_ψ, EMA)    ${fullMs.toFixed(3)} ms  (${(1000 / fullMs).toFixed(0)} steps/s)`);
  console.log(
    `sampling, batch 1024, K 10, guided w 0.1    ${sampleMs.toFixed(2)} ms  (${((1024 * 1000) / sampleMs).toFixed(0)} transitions/s)`,
  );
}

async function quality(): Promise<void> {
  const transitions = flag("--transitions", 20000);
  const steps = flag("--steps", 3000);
  const dir = mkdtempSync(join(tmpdir(), "adept-bench-wm-"));
  try {
    const env = await makeEnv("hopper");
    const data = randomPhysicsDataset(env, transitions, new Rng(0), 1000);
    env.close();
    const file = join(dir, "hopper-random-small.hdf5");
    await writeD4rl(file, data);
    const run = async (...argv: string[]): Promise<void> => {
      const program = new Command().name("adept");
      register(program);
      console.log(`$ adept ${argv.join(" ")}`);
      await program.parseAsync(["node", "adept", ...argv]);
    };
    console.log(`hopper, ${transitions} transitions of uniform random actions (seed 0)`);
    await run(
      "wm",
      "train",
      "--dataset",
      file,
      "--steps",
      String(steps),
      "--out",
      join(dir, "wm"),
      "--baseline",
      "--log-every",
      String(steps),
    );
    await run("wm", "eval", "--model", join(dir, "wm"), "--dataset", file, "--physics");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await (args.includes("--quality") ? quality() : speed());
