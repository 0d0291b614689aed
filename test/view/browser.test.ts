// adept view in a real browser (Debian's headless Chromium, driven by playwright-core): the
// page loads, play / pause / reset drive the simulation, the 3-D drawing is not blank, and the
// episodes it plays are `adept eval`'s episodes for the same checkpoint and seed.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { startViewer, type Viewer } from "../../src/view/server.js";
import type { ViewerState } from "../../src/view/state.js";
import { resolveTarget } from "../../src/view/target.js";
import { repoRoot } from "../helpers.js";
import { hopperRun } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium) — the viewer's browser tests are skipped`;
const dir = mkdtempSync(join(tmpdir(), "adept-view-browser-"));
const main = join(repoRoot(), "dist", "src", "cli", "main.js");
const SEED = 5;
const EPISODES = 2;

// The browser globals that the callbacks below use: they run in the page, while this file
// compiles without the DOM types (module-scoped declarations, nothing global).
declare const window: { adeptViewer?: { state(): ViewerState } };
declare const Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
declare const document: {
  createElement(tag: "canvas"): {
    width: number;
    height: number;
    getContext(kind: "2d"): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    } | null;
  };
};

const state = (page: Page): Promise<ViewerState> => page.evaluate(() => window.adeptViewer!.state());

/** Standard deviation of the luminance of a PNG, decoded by the browser itself (about:blank, no CSP). */
async function luminanceStd(context: BrowserContext, png: Buffer): Promise<number> {
  const page = await context.newPage();
  try {
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext("2d")!;
      g.drawImage(img, 0, 0);
      const { data } = g.getImageData(0, 0, img.width, img.height);
      let sum = 0,
        squares = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
        sum += y;
        squares += y * y;
      }
      const mean = sum / n;
      return Math.sqrt(Math.max(0, squares / n - mean * mean));
    }, png.toString("base64"));
  } finally {
    await page.close();
  }
}

describe("adept view in headless Chromium", { skip, timeout: 90_000 }, () => {
  let run: ReturnType<typeof hopperRun>;
  let viewer: Viewer;
  let context: BrowserContext;
  before(async () => {
    run = hopperRun(dir);
    viewer = await startViewer({ target: resolveTarget(run.runDir) });
    context = await chromium.launchPersistentContext(mkdtempSync(join(dir, "profile-")), {
      executablePath: CHROMIUM,
      viewport: { width: 1000, height: 600 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  after(async () => {
    await context?.close();
    await viewer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads, plays, pauses and resets, and draws a body that is not a blank screen", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${viewer.url}?seed=1`);
    await page.waitForFunction(() => window.adeptViewer?.state().ready || window.adeptViewer?.state().error, null, { timeout: 30_000 });
    const loaded = await state(page);
    assert.equal(loaded.error, undefined);
    assert.ok(loaded.drawing, "WebGL drawing is on");
    assert.deepEqual([loaded.playing, loaded.totalSteps, loaded.seed], [false, 0, 1]);
    await page.click("#play");
    await page.waitForFunction(() => window.adeptViewer!.state().totalSteps >= 20, null, { timeout: 10_000 });
    await page.click("#play"); // pause
    const paused = await state(page);
    await page.waitForTimeout(300);
    assert.equal((await state(page)).totalSteps, paused.totalSteps, "paused: no steps");
    assert.equal(paused.playing, false);
    assert.match((await page.textContent("#step")) ?? "", /^\d+$/);
    const shot = await page.locator("#stage canvas").screenshot();
    const std = await luminanceStd(context, shot);
    assert.ok(std > 8, `the drawing's luminance std is ${std.toFixed(2)} (a blank canvas is ~0)`);
    await page.fill("#seed", "7");
    await page.click("#reset");
    const reset = await state(page);
    assert.deepEqual([reset.seed, reset.step, reset.return, reset.episodes.length], [7, 0, 0, 0]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it(`plays adept eval's episodes: the first ${EPISODES} of seed ${SEED} match its returns and lengths`, async (t) => {
    const evaluated = promisify(execFile)(process.execPath, [
      main,
      "eval",
      "--env",
      "hopper",
      "--policy",
      run.checkpoint,
      "--episodes",
      String(EPISODES),
      "--seed",
      String(SEED),
      "--json",
    ]);
    const page = await context.newPage();
    await page.goto(`${viewer.url}?seed=${SEED}&speed=max&play=1`);
    await page.waitForFunction((n) => (window.adeptViewer?.state().episodes.length ?? 0) >= n, EPISODES, { timeout: 30_000 });
    const { episodes } = await state(page);
    await page.close();
    const expected = JSON.parse((await evaluated).stdout) as { returns: number[]; lengths: number[] };
    for (let i = 0; i < EPISODES; i++) {
      const got = episodes[i]!;
      assert.equal(got.length, expected.lengths[i], `episode ${i} length`);
      assert.ok(got.length > 50, `episode ${i} is long enough to mean something (${got.length} steps)`);
      // The page's policy is the exported JSON forward (float32, summed in its own order),
      // adept eval's is the native kernel: actions agree to ~1e-7, returns to float error.
      t.diagnostic(`episode ${i}: ${got.length} steps, return ${got.return} (page) vs ${expected.returns[i]} (adept eval)`);
      const tolerance = 1e-5 * Math.max(1, Math.abs(expected.returns[i]!));
      assert.ok(
        Math.abs(got.return - expected.returns[i]!) <= tolerance,
        `episode ${i}: page return ${got.return}, adept eval ${expected.returns[i]} (|Δ| ${Math.abs(got.return - expected.returns[i]!)})`,
      );
    }
  });
});
