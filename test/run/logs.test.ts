// A run's logs beside metrics.jsonl: metrics.csv and TensorBoard event files, read back with
// the same schema (records framed and checksummed as TFRecords), rebuilt on resume, and
// written by `adept train --log csv,tensorboard`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { metricsCsv, parseLogFormats, RunLogs } from "../../src/run/logs/index.js";
import { readEventFile } from "../../src/run/logs/tensorboard.js";
import { writeTinyHopperJsonl } from "../cli/_fixtures.js";
import { repoRoot } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "adept-logs-"));
const eventFiles = (run: string): string[] =>
  readdirSync(join(run, "tensorboard"))
    .filter((f) => f.startsWith("events.out.tfevents."))
    .map((f) => join(run, "tensorboard", f));

describe("run logs", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes TensorBoard events that read back by the same schema, and a CSV of every key", async () => {
    const run = join(dir, "a");
    mkdirSync(run);
    const logs = await RunLogs.open(run, parseLogFormats("csv,tensorboard"));
    logs.write(100, { "loss/q": 0.25, "value/q_mean": 12.5 });
    logs.write(200, { "loss/q": 0.125, "value/q_mean": 13.75, "eval/normalized_mean": 33.3, "bad/nan": Number.NaN });
    const [file, ...others] = eventFiles(run);
    assert.equal(others.length, 0);
    const events = readEventFile(file!);
    assert.equal(events[0]!.fileVersion, "brain.Event:2");
    assert.deepEqual(
      events.slice(1).map((e) => [e.step, e.scalars]),
      [
        [100, { "loss/q": 0.25, "value/q_mean": 12.5 }],
        [200, { "loss/q": 0.125, "value/q_mean": 13.75, "eval/normalized_mean": Math.fround(33.3) }],
      ],
    );
    assert.ok(events.slice(1).every((e) => Math.abs(e.wallTime - Date.now() / 1000) < 60));

    const csv = readFileSync(join(run, "metrics.csv"), "utf8").trim().split("\n");
    assert.equal(csv[0], "step,time,loss/q,value/q_mean,eval/normalized_mean,bad/nan");
    assert.match(csv[1]!, /^100,[\d.]+,0\.25,12\.5,,$/);
    // A non-finite value is kept as such (metrics.jsonl writes it as "NaN", see docs/training.md), not dropped.
    assert.match(csv[2]!, /^200,[\d.]+,0\.125,13\.75,33\.3,NaN$/);
    assert.equal(metricsCsv([{ step: 1, 'odd,"key"': 2 }]), 'step,time,"odd,""key"""\n1,,2\n');

    // A flipped byte fails its record's checksum.
    const bytes = readFileSync(file!);
    bytes[bytes.length - 6]! ^= 0xff;
    writeFileSync(file!, bytes);
    assert.throws(() => readEventFile(file!), /bad data CRC/);
  });

  it("a resumed run's logs drop what came after the checkpoint, in every format", async () => {
    const run = join(dir, "b");
    mkdirSync(run);
    const logs = await RunLogs.open(run, parseLogFormats("tensorboard,csv"));
    for (const step of [1, 2, 3, 4]) logs.write(step, { "loss/actor": step });
    const resumed = await RunLogs.open(run, parseLogFormats("tensorboard,csv"));
    resumed.truncateAfter(2);
    resumed.write(3, { "loss/actor": 30 });
    const files = eventFiles(run);
    assert.equal(files.length, 1);
    assert.deepEqual(
      readEventFile(files[0]!)
        .slice(1)
        .map((e) => [e.step, e.scalars["loss/actor"]]),
      [
        [1, 1],
        [2, 2],
        [3, 30],
      ],
    );
    assert.equal(readFileSync(join(run, "metrics.csv"), "utf8").trim().split("\n").length, 4);
  });

  it("rejects an unknown format naming it", () => {
    assert.deepEqual([...parseLogFormats("csv")], ["jsonl", "csv"]);
    assert.throws(() => parseLogFormats("csv,wandb"), /--log: unknown log format "wandb" \(known: jsonl, csv, tensorboard/);
  });

  it("adept train --log csv,tensorboard writes both beside metrics.jsonl", () => {
    const file = writeTinyHopperJsonl(join(dir, "tiny.jsonl"));
    const out = join(dir, "train");
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot(), "dist", "src", "cli", "main.js"),
        "train",
        "--algo",
        "iql",
        "--dataset",
        file,
        "--out",
        out,
        "--steps",
        "20",
        "--log-every",
        "5",
        "--batch-size",
        "8",
        "--hidden-width",
        "8",
        "--eval-episodes",
        "0",
        "--no-progress",
        "--log",
        "csv,tensorboard",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    const jsonl = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
    const csv = readFileSync(join(out, "metrics.csv"), "utf8").trim().split("\n");
    assert.equal(csv.length, jsonl.length + 1);
    const events = readEventFile(eventFiles(out)[0]!).slice(1);
    assert.deepEqual(
      events.map((e) => e.step),
      [5, 10, 15, 20],
    );
    const first = JSON.parse(jsonl[0]!) as Record<string, number>;
    assert.equal(events[0]!.scalars["loss/q"], Math.fround(first["loss/q"]!));
  });
});
