import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DataError, importJsonl, loadDataset, readD4rl, readJsonl } from "../../src/data/index.js";
import { sameBits, tempDir } from "./_fixtures.js";

const tmp = tempDir();
after(tmp.cleanup);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

function jsonl(name: string, lines: unknown[]): string {
  const path = tmp.path(name);
  writeFileSync(path, `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`);
  return path;
}

describe("JSON Lines", () => {
  test("one transition per line, with next observations", async () => {
    const path = jsonl("t.jsonl", [
      { observation: [0, 1], action: [0.5], reward: 1, next_observation: [1, 1], log_prob: -0.5 },
      { observation: [1, 1], action: [-0.5], reward: 2, next_observation: [2, 1], terminal: true, log_prob: -0.7 },
      "",
      { observation: [5, 5], action: [0], reward: 3, next_observation: [6, 5], timeout: 1, log_prob: -0.1 },
    ]);
    const d = await readJsonl(path);
    assert.equal(d.size, 3);
    assert.deepEqual(Array.from(d.nextObservations), [1, 1, 2, 1, 6, 5]);
    assert.deepEqual(Array.from(d.terminals), [0, 1, 0]);
    assert.deepEqual(Array.from(d.timeouts), [0, 0, 1]);
    assert.ok(sameBits(d.actionLogProbs, Float32Array.of(-0.5, -0.7, -0.1)));
    assert.equal(d.source.nextObservations, "file");
  });

  test("one episode per line (with and without the final observation), mixed with transitions", async () => {
    const path = jsonl("e.jsonl", [
      { observations: [[0], [1], [2]], actions: [[0], [0]], rewards: [1, 1] }, // final obs included, cut (timeout)
      { observations: [[10], [11], [12]], actions: [[1], [1], [1]], rewards: [2, 2, 2], terminal: true }, // s' derived
      { observation: [20], action: [2], reward: 3 },
      { observation: [21], action: [2], reward: 3 }, // last line, no flag, s' unknown → dropped
    ]);
    const d = await readJsonl(path);
    assert.equal(d.source.nextObservations, "derived");
    assert.equal(d.source.droppedRows, 1);
    assert.deepEqual(Array.from(d.observations), [0, 1, 10, 11, 12, 20]);
    assert.deepEqual(Array.from(d.nextObservations), [1, 2, 11, 12, 12, 21]);
    assert.deepEqual(Array.from(d.nextObservationMissing ?? []), [0, 0, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(d.terminals), [0, 0, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(d.timeouts), [0, 1, 0, 0, 0, 1]);
  });

  test("import writes a D4RL file; the CLI refuses to overwrite without --force", async () => {
    const input = jsonl("walker-logs.jsonl", [
      {
        observations: Array.from({ length: 4 }, (_, t) => Array(17).fill(t)),
        actions: Array.from({ length: 3 }, () => Array(6).fill(0.1)),
        rewards: [1, 2, 3],
      },
    ]);
    const out = tmp.path("walker.hdf5");
    await importJsonl(input, out, { task: "walker2d" });
    const d = await readD4rl(out);
    assert.equal(d.size, 3);
    assert.equal(d.metadata.env, "walker2d");
    assert.equal(d.metadata.source, "walker-logs.jsonl");
    const again = spawnSync(process.execPath, [CLI, "data", "import", input, "--out", out], { encoding: "utf8" });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists \(use --force to overwrite\)/);
    const out2 = tmp.path("cli.hdf5");
    const ok = spawnSync(process.execPath, [CLI, "data", "import", input, "--out", out2, "--env", "walker2d"], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /wrote .*cli\.hdf5: 3 transitions, 1 episodes/);
    const info = spawnSync(process.execPath, [CLI, "data", "info", out2, "--json"], { encoding: "utf8" });
    assert.equal(info.status, 0, info.stderr);
    const report = JSON.parse(info.stdout);
    assert.equal(report.summary.transitions, 3);
    assert.equal(report.summary.task, "walker2d");
    assert.equal(report.summary.returns.mean, 6);
    assert.ok(Number.isFinite(report.summary.normalizedScore.mean));
    assert.deepEqual(report.arrays.find((a: { key: string }) => a.key === "observations").shape, [3, 17]);
  });
});

describe("JSON Lines errors name the file, the line and the field", () => {
  const cases: [string, unknown[], RegExp][] = [
    ["bad JSON", [{ observation: [1], action: [1], reward: 0 }, "{oops"], /bad JSON\.jsonl:2: not valid JSON/],
    [
      "wrong width",
      [
        { observation: [1, 2], action: [1], reward: 0 },
        { observation: [1], action: [1], reward: 0 },
      ],
      /:2: "observation" has 1 values but line 1 has 2/,
    ],
    ["null value", [{ observation: [1, null], action: [1], reward: 0 }], /:1: "observation" element 1 is null, expected a finite number/],
    ["NaN as string", [{ observation: [1], action: [1], reward: "NaN" }], /:1: "reward" must be a finite number, got "NaN"/],
    ["flag 2", [{ observation: [1], action: [1], reward: 0, terminal: 2 }], /:1: "terminal" must be true\/false or 0\/1, got 2/],
    [
      "unknown key",
      [{ observation: [1], action: [1], reward: 0, termnal: true }],
      /:1: "termnal" is not a known field of a transition line/,
    ],
    ["missing key", [{ observation: [1], reward: 0 }], /:1: "action" is missing/],
    [
      "log_prob on some lines",
      [
        { observation: [1], action: [1], reward: 0, log_prob: 0 },
        { observation: [1], action: [1], reward: 0 },
      ],
      /:2: "log_prob" is missing but line 1 has it/,
    ],
    [
      "episode rows",
      [{ observations: [[1], [2], [3], [4]], actions: [[1]], rewards: [1] }],
      /:1: "observations" has 4 rows, expected 1 or 2/,
    ],
    ["empty", [""], /the dataset is empty/],
  ];
  for (const [name, lines, pattern] of cases) {
    test(name, async () => {
      const path = jsonl(`${name}.jsonl`, lines);
      await assert.rejects(loadDataset(path), (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.ok(e.message.startsWith(path), e.message);
        assert.match(e.message, pattern);
        return true;
      });
    });
  }

  test("a failed import leaves no output file", async () => {
    const path = jsonl("broken.jsonl", [{ observation: [1], action: [1], reward: 0 }, "not json"]);
    const out = tmp.path("never.hdf5");
    await assert.rejects(importJsonl(path, out), DataError);
    assert.ok(!existsSync(out));
  });
});
