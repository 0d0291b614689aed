// `adept quickstart` never reuses runs silently: the same arguments say that they reuse the
// runs and why; other arguments train anew beside them (the report covers this call's runs).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../helpers.js";

const run = promisify(execFile);
const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "adept-quickstart-"));
const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
const args = (steps: number) => [main, "quickstart", "--size", "2000", "--steps", String(steps), "--out", dir, "--no-progress"];

after(() => rmSync(dir, { recursive: true, force: true }));

it("quickstart: the same arguments reuse the runs and say why; other arguments train anew", async () => {
  const first = await run(process.execPath, args(20), { env, encoding: "utf8" });
  assert.match(first.stderr, /iql: training for 20 steps/);
  const runDir = join(dir, "runs", "hopper-random-2000-steps20"); // the study's dataset
  // The study's finding in one sentence, then the same measurement made here, in the output and the report.
  assert.match(first.stderr, /finding: On random data ADEPT's importance weights were degenerate/);
  const here =
    /here: (ADEPT\+IQL's importance weights at step \d+: ESS\/N (\d\.\d\d), (\d+) % of the ratios at the floor 1\/c, \d+ % at c)/.exec(
      first.stderr,
    );
  assert.ok(here, first.stderr);
  assert.ok(Number(here[2]) > 0 && Number(here[2]) <= 1, here[2]);
  for (const algo of ["iql", "adept-iql"]) assert.ok(existsSync(join(runDir, algo, "seed0", "summary.json")), algo);
  // The kernels line once at start, as adept train prints it; each run's config.json records them.
  const kernels = first.stdout.split("\n").filter((l) => l.startsWith("kernels "));
  assert.deepEqual(kernels, [first.stdout.split("\n")[0]], first.stdout);
  assert.match(kernels[0]!, /^kernels (native\/|ts).*, \d+ threads? .*, (fp32|bf16) — /);
  for (const algo of ["iql", "adept-iql"]) {
    const config = JSON.parse(readFileSync(join(runDir, algo, "seed0", "config.json"), "utf8"));
    assert.equal(`kernels ${config.backend.summary}`, kernels[0], algo);
  }
  const report = readFileSync(join(dir, "report", "report.md"), "utf8");
  assert.match(report, /adept-iql/);
  assert.ok(report.includes(`Here: ${here[1]}`), "the report says it too");
  assert.match(report, /Finding: On random data/);

  const again = await run(process.execPath, args(20), { env, encoding: "utf8" });
  assert.match(
    again.stderr,
    /iql: reusing .*steps20.*, trained before with the same arguments \(hopper-random, 2000 transitions, 20 steps, seed 0\)/,
  );
  assert.doesNotMatch(again.stderr, /training for/);

  // Other arguments: a new run directory and training, which we stop once it has started.
  const child = spawn(process.execPath, args(25), { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      if (/iql: training for 25 steps in .*steps25/.test(stderr)) resolve();
    });
    child.on("close", () => reject(new Error(`quickstart ended before training: ${stderr}`)));
  });
  child.kill("SIGKILL");
  assert.doesNotMatch(stderr, /reusing/);
});
