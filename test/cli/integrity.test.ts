// Runs that cannot lie, each reproduced through the real CLI: divergence stops the run,
// the environment is checked against the data, checkpoints are atomic units, one writer per
// run directory, resume checks what it resumes, stopped is not finished, names stay inside
// their folders, and the small messages say what happened.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadTensors, saveTensors } from "../../src/nn/serialize.js";
import { writeRawHdf5 } from "../data/_fixtures.js";
import { adept, main, metricsOf, writeJsonl } from "../run/_runs.js";

const dir = mkdtempSync(join(tmpdir(), "adept-integrity-"));
const toy = writeJsonl(join(dir, "toy.jsonl"), 600, 3, 2); // no task: no evaluation
const huge = writeJsonl(join(dir, "huge.jsonl"), 600, 3, 2, { rewardScale: 1e30 });
const large = writeJsonl(join(dir, "large.jsonl"), 600, 11, 3, { rewardScale: 1000 });
const hopper = writeJsonl(join(dir, "hopper-toy.jsonl"), 600, 11, 3);
const cheetah = writeJsonl(join(dir, "halfcheetah-toy.jsonl"), 600, 17, 6);
const tiny = ["--batch-size", "32", "--hidden-width", "16", "--no-progress"];
const train = (out: string, ...args: string[]) => adept(["train", "--algo", "iql", "--out", join(dir, out), ...tiny, ...args]);
const oneLine = (stderr: string) =>
  stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("adept: ") || /^\s+at /.test(l));

/** Starts `adept train` in the background; resolves once it has written `file` in its run directory. */
async function background(out: string, args: string[], file = "metrics.jsonl"): Promise<ChildProcess> {
  const child = spawn(process.execPath, [main, "train", "--algo", "iql", "--out", join(dir, out), ...tiny, ...args], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
    stdio: "ignore",
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, out, file))) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `the trainer in ${out} wrote no ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
const ended = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.exitCode !== null || child.signalCode !== null
      ? r({ code: child.exitCode, signal: child.signalCode })
      : child.on("exit", (code, signal) => r({ code, signal })),
  );

describe("adept train: runs that cannot lie", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("1. divergence stops the run", () => {
    it("rewards ×1e30 without scaling: exit 1 at the step, one line, NaN/Infinity kept in metrics", async () => {
      const r = await train("huge", "--dataset", huge, "--reward-scaling", "none", "--steps", "100", "--eval-episodes", "0");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^adept: diverged at step 1: loss\/q is Infinity; no checkpoint was written before it\n$/);
      const lines = metricsOf(join(dir, "huge"));
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!["loss/q"], "Infinity", "written as the string, not dropped");
      const summary = JSON.parse(readFileSync(join(dir, "huge", "summary.json"), "utf8"));
      assert.equal(summary.status, "diverged");
      assert.deepEqual(summary.diverged, { step: 1, quantity: "loss/q", value: "Infinity" });
      assert.ok(!existsSync(join(dir, "huge", "latest.safetensors")), "no checkpoint of non-finite weights");
    });

    it("with evaluation on: stops before evaluating, no `action[0] is NaN`", async () => {
      const hugeHopper = writeJsonl(join(dir, "hopper-huge.jsonl"), 600, 11, 3, { rewardScale: 1e30 });
      const r = await train("huge-eval", "--dataset", hugeHopper, "--reward-scaling", "none", "--steps", "100", "--eval-every", "10");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^adept: diverged at step 1: /);
      assert.doesNotMatch(r.stderr, /action\[0\]|\n\s+at /);
    });

    it("keeps the last finite checkpoint and says which it is; adept eval on NaN weights is one line", async () => {
      const blowUp = writeJsonl(join(dir, "blow-up.jsonl"), 600, 3, 2, { rewardScale: 1e18 });
      const args = ["--dataset", blowUp, "--reward-scaling", "none", "--lr", "1", "--steps", "100", "--eval-episodes", "0"];
      const r = await train("last-finite", ...args, "--log-every", "1", "--checkpoint-every", "2");
      assert.equal(r.code, 1);
      const m =
        /^adept: diverged at step (\d+): (.+) is (?:NaN|-?Infinity); the last finite checkpoint is (.*latest\.safetensors) \(step (\d+)\)\n$/.exec(
          r.stderr,
        );
      assert.ok(m, r.stderr);
      assert.ok(Number(m[4]) < Number(m[1]) && Number(m[4]) > 0);
      const { tensors, metadata } = loadTensors(m[3]!);
      assert.equal(JSON.parse(metadata.meta!).updates, Number(m[4]));
      for (const [name, t] of Object.entries(tensors)) assert.ok(t.data.every(Number.isFinite), `${name} finite`);
      // The same weights with one NaN: adept eval names the parameter in one line, no stack trace.
      const name = Object.keys(tensors).find((k) => k.startsWith("actor."))!;
      tensors[name]!.data[0] = Number.NaN;
      const bad = join(dir, "nan.safetensors");
      saveTensors(bad, tensors, metadata);
      const ev = await adept(["eval", "--env", "hopper", "--policy", bad, "--episodes", "1"]);
      assert.equal(ev.code, 1);
      assert.ok(
        ev.stderr.includes(`nan.safetensors: parameter ${name}[0] is NaN: the checkpoint comes from a run that diverged`),
        ev.stderr,
      );
      assert.equal(oneLine(ev.stderr).length, 1, ev.stderr);
    });

    it("warns once about exploding losses (--lr 10)", async () => {
      const r = await train(
        "explode",
        "--dataset",
        large,
        "--reward-scaling",
        "none",
        "--steps",
        "200",
        "--eval-episodes",
        "0",
        "--lr",
        "10",
        "--log-every",
        "10",
      );
      assert.equal(r.code, 0, r.stderr);
      const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(warnings[0]!, /warning: loss\/\w+ is .* at step 10, ≥ 1e\+8× its value at the first update/);
    });
  });

  describe("2. the environment is checked against the data", () => {
    it("halfcheetah data with --env hopper: one line, nothing written", async () => {
      const r = await train("cheetah-as-hopper", "--dataset", cheetah, "--env", "hopper", "--steps", "10");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^adept: .*halfcheetah-toy\.jsonl has observations of width 17 and actions of width 6, but environment hopper has 11 and 3: pass the matching --env/,
      );
      assert.ok(!existsSync(join(dir, "cheetah-as-hopper")), "no run directory left behind");
    });

    it("hopper data with --env halfcheetah: refused before training", async () => {
      const r = await train("hopper-as-cheetah", "--dataset", hopper, "--env", "halfcheetah", "--steps", "10");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /hopper-toy\.jsonl has observations of width 11 and actions of width 3, but environment halfcheetah has 17 and 6/,
      );
      assert.ok(!existsSync(join(dir, "hopper-as-cheetah")));
    });

    it("one task resolution: --env hopper on an anonymous file scales rewards as the hopper-named file", async () => {
      const anonymous = join(dir, "f64.jsonl");
      copyFileSync(hopper, anonymous);
      const a = await train("named", "--dataset", hopper, "--steps", "2", "--eval-episodes", "0");
      const b = await train("flagged", "--dataset", anonymous, "--env", "hopper", "--steps", "2", "--eval-episodes", "0");
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const config = (run: string) => JSON.parse(readFileSync(join(dir, run, "config.json"), "utf8"));
      assert.equal(config("flagged").task, "hopper");
      assert.notEqual(config("named").rewardScale, 1);
      assert.equal(config("flagged").rewardScale, config("named").rewardScale);
    });
  });

  describe("3. checkpoints are units", () => {
    it("a kill inside a checkpoint write leaves the previous unit current; resume names its step; leftovers are removed", async () => {
      const args = ["--dataset", toy, "--steps", "60", "--eval-episodes", "0", "--checkpoint-every", "20", "--log-every", "10"];
      // Killed while writing its second checkpoint (step 40), after the agent file, before the unit is complete.
      const killed = await adept(["train", "--algo", "iql", "--out", join(dir, "unit"), ...tiny, ...args], {
        ADEPT_FAULT_KILL: "unit-agent:2",
      });
      assert.equal(killed.signal, "SIGKILL");
      const run = join(dir, "unit");
      assert.ok(lstatSync(join(run, "latest.safetensors")).isSymbolicLink());
      const units = readdirSync(join(run, "checkpoints"));
      assert.ok(units.includes("step-20") && units.some((u) => u.startsWith(".tmp-")), units.join(", "));
      writeFileSync(join(run, "best.safetensors.tmp-999999"), "left by a killed writer");
      const r = await train("unit", ...args, "--resume");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /resuming .*unit from step 20 \(.*checkpoints\/step-20\)/);
      assert.deepEqual(readdirSync(join(run, "checkpoints")), ["step-60-1"]);
      assert.ok(!readdirSync(run).some((f) => f.includes(".tmp")), readdirSync(run).join(", "));
    });

    it("a unit that does not match its manifest is refused, naming the file", async () => {
      const run = join(dir, "unit");
      const target = join(run, "checkpoints", "step-60-1", "agent.safetensors");
      const bytes = readFileSync(target);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      writeFileSync(target, bytes);
      const r = await train("unit", "--dataset", toy, "--steps", "80", "--eval-episodes", "0", "--resume");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^adept: checkpoint .*step-60-1 is damaged: agent\.safetensors does not match the SHA-256 in its manifest\n$/);
    });
  });

  describe("4. one writer per run directory", () => {
    it("a second trainer, and --resume beside a live one, are refused naming the holder; a stale lock is taken over", async () => {
      const child = await background("busy", ["--dataset", toy, "--steps", "10000000", "--eval-episodes", "0", "--log-every", "10"]);
      try {
        const holder = new RegExp(`in use by pid ${child.pid} on host ${hostname()}`);
        const second = await train("busy", "--dataset", toy, "--steps", "10");
        assert.equal(second.code, 1);
        assert.match(second.stderr, holder);
        const resume = await train("busy", "--dataset", toy, "--steps", "10", "--resume");
        assert.equal(resume.code, 1);
        assert.match(resume.stderr, holder);
      } finally {
        child.kill("SIGKILL");
        await ended(child);
      }
      // The killed trainer's lock is stale: the next --resume takes it over.
      assert.ok(existsSync(join(dir, "busy", ".lock")));
      const r = await train(
        "busy",
        "--dataset",
        toy,
        "--steps",
        "10000000",
        "--eval-episodes",
        "0",
        "--log-every",
        "10",
        "--resume",
        "--steps",
        "20",
      );
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!existsSync(join(dir, "busy", ".lock")), "released at the end");
    });

    it("a sweep worker dies with its sweep; a rerun does not start a worker on a locked run", async () => {
      const spec = join(dir, "sweep.json");
      const out = join(dir, "sweep");
      writeFileSync(
        spec,
        JSON.stringify({
          out,
          datasets: [toy],
          algos: ["iql"],
          seeds: [0],
          steps: 10000000,
          evalEvery: 0,
          evalEpisodes: 0,
          logEvery: 10,
          checkpointEvery: 50,
        }),
      );
      const sweep = spawn(process.execPath, [main, "sweep", spec], { env: { ...process.env, OPENBLAS_NUM_THREADS: "1" }, stdio: "ignore" });
      const runDir = join(out, "toy", "iql", "seed0");
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(runDir, "metrics.jsonl"))) {
        assert.ok(Date.now() < deadline, "the worker wrote no metrics");
        await new Promise((r) => setTimeout(r, 50));
      }
      const worker = JSON.parse(readFileSync(join(runDir, ".lock"), "utf8")).pid as number;
      sweep.kill("SIGKILL");
      await ended(sweep);
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const gone = Date.now() + 30_000;
      while (alive(worker)) {
        assert.ok(Date.now() < gone, `worker ${worker} outlived its sweep`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(readFileSync(join(runDir, "log.txt"), "utf8"), /stopped by SIGTERM at step \d+/);
      // A live process holds the run (here: this test process, as if it were a hand-started trainer).
      writeFileSync(join(runDir, ".lock"), JSON.stringify({ pid: process.pid, host: hostname(), since: "now" }));
      const lines = metricsOf(runDir).length;
      const rerun = await adept(["sweep", spec]);
      assert.equal(rerun.code, 1);
      assert.match(
        rerun.stderr,
        new RegExp(`not started because another process writes their directory: toy/iql/seed0 \\(in use by pid ${process.pid}`),
      );
      assert.equal(metricsOf(runDir).length, lines, "nobody wrote to the locked run");
      rmSync(join(runDir, ".lock"));
    });
  });

  describe("5–7. resume", () => {
    it("--resume with no checkpoint yet says it starts fresh and keeps no stale metrics; checkpoints default to the evaluation interval", async () => {
      const args = [
        "--dataset",
        toy,
        "--steps",
        "60",
        "--eval-every",
        "20",
        "--eval-episodes",
        "0",
        "--checkpoint-every",
        "1000",
        "--log-every",
        "10",
      ];
      const killed = await adept(["train", "--algo", "iql", "--out", join(dir, "fresh"), ...tiny, ...args], { ADEPT_FAULT_KILL: "log:3" });
      assert.equal(killed.signal, "SIGKILL");
      assert.equal(metricsOf(join(dir, "fresh")).length, 3);
      const r = await train("fresh", ...args, "--resume");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /no checkpoint in .*fresh yet: starting fresh/);
      const steps = metricsOf(join(dir, "fresh")).map((l) => l.step);
      assert.deepEqual(steps, [10, 20, 30, 40, 50, 60], "each step once");
      const d = await train("default-interval", "--dataset", toy, "--steps", "2", "--eval-every", "20", "--eval-episodes", "0");
      assert.equal(d.code, 0, d.stderr);
      assert.equal(JSON.parse(readFileSync(join(dir, "default-interval", "config.json"), "utf8")).checkpointEvery, 20);
    });

    it("refuses a different seed, dataset, algorithm or config field, naming it; --steps may change", async () => {
      const base = ["--dataset", toy, "--steps", "20", "--eval-episodes", "0"];
      assert.equal((await train("settings", ...base)).code, 0);
      const refused = async (args: string[], pattern: RegExp) => {
        const r = await adept(["train", "--out", join(dir, "settings"), ...tiny, ...args, "--resume"]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, pattern);
        assert.equal(oneLine(r.stderr).length, 1);
      };
      await refused(["--algo", "iql", ...base, "--seed", "1"], /--seed 1 differs from the run's 0 .*A resume may change: --steps/);
      await refused(
        ["--algo", "iql", "--dataset", hopper, "--steps", "20", "--eval-episodes", "0"],
        /--dataset .*hopper-toy\.jsonl is not the data the run was started on/,
      );
      await refused(["--algo", "bc", ...base], /holds a run of --algo iql; --algo bc cannot continue it/);
      await refused(["--algo", "iql", ...base, "--expectile", "0.9"], /--expectile 0\.9 differs from the run's 0\.7/);
      const config = JSON.parse(readFileSync(join(dir, "settings", "config.json"), "utf8"));
      assert.equal(config.seed, 0);
      const longer = await train("settings", "--dataset", toy, "--steps", "40", "--resume");
      assert.equal(longer.code, 0, longer.stderr);
      assert.equal(JSON.parse(readFileSync(join(dir, "settings", "summary.json"), "utf8")).steps, 40);
      assert.equal(JSON.parse(readFileSync(join(dir, "settings", "config.json"), "utf8")).steps, 40);
    });

    it("SIGINT: exit 130, summary says stopped, the first line after the resume covers a full interval", async () => {
      const args = ["--dataset", toy, "--steps", "10000000", "--eval-episodes", "0", "--log-every", "7", "--checkpoint-every", "1000000"];
      const child = await background("interrupted", args);
      child.kill("SIGINT");
      const { code } = await ended(child);
      assert.equal(code, 130);
      const summary = JSON.parse(readFileSync(join(dir, "interrupted", "summary.json"), "utf8"));
      assert.equal(summary.status, "stopped");
      assert.equal(summary.signal, "SIGINT");
      const stoppedAt = summary.steps as number;
      const r = await train("interrupted", ...args, "--resume", "--steps", String(stoppedAt + 14));
      assert.equal(r.code, 0, r.stderr);
      const steps = metricsOf(join(dir, "interrupted")).map((l) => l.step as number);
      const regular = Array.from({ length: Math.floor((stoppedAt + 14) / 7) }, (_, i) => 7 * (i + 1));
      if ((stoppedAt + 14) % 7 !== 0) regular.push(stoppedAt + 14);
      assert.deepEqual(steps, regular, "lines every 7 steps across the stop, none short, none repeated");
    });
  });

  describe("8–9. names and small messages", () => {
    it("a sweep dataset named `...hdf5` cannot put runs outside out", async () => {
      const sneaky = join(dir, "...hdf5");
      copyFileSync(toy, sneaky);
      const spec = join(dir, "escape.json");
      writeFileSync(spec, JSON.stringify({ out: join(dir, "escape"), datasets: [sneaky], algos: ["iql"], seeds: [0], steps: 10 }));
      const r = await adept(["sweep", spec, "--dry-run"]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^adept: sweep spec .*escape\.json: datasets: ".*\.\.\.hdf5" gives the run name "\.\." would leave its folder/,
      );
    });

    it("a reward of 1e999 is reported as Infinity, not null", async () => {
      const file = join(dir, "inf.jsonl");
      writeFileSync(
        file,
        `${JSON.stringify({ observation: [0, 0, 0], action: [0, 0], reward: 1, next_observation: [0, 0, 0] }).replace('"reward":1', '"reward":1e999')}\n`,
      );
      const r = await train("inf", "--dataset", file, "--steps", "2");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /inf\.jsonl:1: "reward" must be a finite number, got Infinity\n$/);
      assert.ok(!existsSync(join(dir, "inf")), "an early error leaves no --out behind");
    });

    it("1-D observations are an error, as docs/data.md says [N, S]", async () => {
      const file = join(dir, "flat.hdf5");
      const N = 100;
      await writeRawHdf5(file, [
        { key: "observations", data: new Float32Array(N), shape: [N] },
        { key: "actions", data: new Float32Array(N * 2), shape: [N, 2] },
        { key: "rewards", data: new Float32Array(N), shape: [N] },
        { key: "terminals", data: new Uint8Array(N), shape: [N] },
      ]);
      const r = await train("flat", "--dataset", file, "--steps", "2");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /flat\.hdf5: "observations" has shape \[100\], expected \[N, width\]\n$/);
      assert.ok(!existsSync(join(dir, "flat")));
    });

    it("an early error in a directory that existed leaves it as it was", async () => {
      mkdirSync(join(dir, "existing"));
      const r = await train("existing", "--dataset", cheetah, "--env", "hopper", "--steps", "2");
      assert.equal(r.code, 1);
      assert.deepEqual(readdirSync(join(dir, "existing")), []);
    });
  });
});
