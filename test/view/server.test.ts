// adept view's server: what it serves and, above all, what it does not. Every request path
// is a raw one (node:http sends it as written; fetch would normalize `/../` away first).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UserError } from "../../src/util/errors.js";
import { startViewer, type Viewer } from "../../src/view/server.js";
import { resolveTarget } from "../../src/view/target.js";
import { repoRoot } from "../helpers.js";
import { hopperRun } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "adept-view-"));
const main = join(repoRoot(), "dist", "src", "cli", "main.js");

function get(
  viewer: Viewer,
  path: string,
  init: { method?: string; host?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: viewer.port, path, method: init.method ?? "GET", headers: init.host ? { host: init.host } : {} },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("adept view: the server", () => {
  let run: ReturnType<typeof hopperRun>;
  let viewer: Viewer;
  let link: string;
  before(async () => {
    run = hopperRun(dir);
    viewer = await startViewer({ target: resolveTarget(run.runDir) });
    // A symlink inside a folder the server does serve files from, pointing outside it.
    link = join(repoRoot(), "dist", "src", "view", "page", `link-${process.pid}.js`);
    symlinkSync("/etc/passwd", link);
  });
  after(async () => {
    await viewer.close();
    unlinkSync(link);
    rmSync(dir, { recursive: true, force: true });
  });

  it("binds 127.0.0.1 by default and serves the page, its modules, the model and the one policy", async () => {
    assert.equal(viewer.host, "127.0.0.1");
    assert.match(viewer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(viewer, "/");
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="importmap">/);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
    for (const path of ["/app/view/page/viewer.js", "/app/envs/mujoco-env.js", "/vendor/three/three.module.js", "/model.xml"])
      assert.equal((await get(viewer, path)).status, 200, path);
    const policy = JSON.parse((await get(viewer, "/policy.json")).body) as { format: string; observationDim: number };
    assert.equal(policy.format, "adept-policy");
    assert.equal(policy.observationDim, 11);
    const config = JSON.parse((await get(viewer, "/config.json")).body) as { task: string; label: string };
    assert.deepEqual([config.task, config.label], ["hopper", run.checkpoint]);
  });

  it("no path from the URL reaches the file system: traversal, encodings, absolute paths and symlinks are 404", async () => {
    const paths = [
      "/../package.json",
      "/../../../../etc/passwd",
      "/%2e%2e/package.json",
      "/%2E%2E/%2e%2e/etc/passwd",
      "/app/../../../package.json",
      "/app/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/app/envs/..%2f..%2f..%2fpackage.json",
      "/app/envs/assets.js", // a real module, but not one the page needs
      "/app/cli/main.js",
      "//etc/passwd",
      "/etc/passwd",
      `/${join(repoRoot(), "package.json")}`,
      `/app${join(repoRoot(), "package.json")}`,
      "/vendor/three/../../package.json",
      `/app/view/page/link-${process.pid}.js`,
      "/best.safetensors",
      `/${run.checkpoint}`,
      "/app/view/page/viewer.js%00.png",
      "/app\\..\\..\\package.json",
    ];
    for (const path of paths) {
      const res = await get(viewer, path);
      assert.equal(res.status, 404, `${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /root:|"name": "adept-rl"/, path);
    }
  });

  it("answers only GET/HEAD, and on loopback only requests that name it (no DNS rebinding)", async () => {
    assert.equal((await get(viewer, "/", { method: "POST" })).status, 405);
    assert.equal((await get(viewer, "/", { method: "HEAD" })).status, 200);
    assert.equal((await get(viewer, "/policy.json", { host: "evil.example:80" })).status, 421);
    assert.equal((await get(viewer, "/", { host: `localhost:${viewer.port}` })).status, 200);
  });

  it("the random policy serves no policy file; bad arguments are one-line user errors", async () => {
    const random = await startViewer({ target: resolveTarget("random", "walker2d") });
    try {
      assert.equal((await get(random, "/policy.json")).status, 404);
      assert.equal(JSON.parse((await get(random, "/config.json")).body).task, "walker2d");
    } finally {
      await random.close();
    }
    assert.throws(
      () => resolveTarget("random"),
      (e: Error) => e instanceof UserError && /--env/.test(e.message),
    );
    assert.throws(
      () => resolveTarget(join(dir, "nothing")),
      (e: Error) => e instanceof UserError && /no such checkpoint/.test(e.message),
    );
    assert.throws(
      () => resolveTarget(dir),
      (e: Error) => e instanceof UserError && /best\.safetensors or latest\.safetensors/.test(e.message),
    );
    assert.throws(
      () => resolveTarget(run.checkpoint, "halfcheetah"),
      (e: Error) => e instanceof UserError && /17 \/ 6/.test(e.message),
    );
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const)
    it(`the CLI prints its URL, warns once for a non-loopback --host, and stops cleanly on ${signal}`, async () => {
      const args = signal === "SIGTERM" ? ["--host", "0.0.0.0"] : [];
      const child = spawn(process.execPath, [main, "view", "random", "--env", "hopper", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "",
        stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d;
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          stdout += d;
          const m = /http:\/\/[^\s]+/.exec(stdout);
          if (m) resolve(m[0]);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const port = Number(new URL(url).port);
      const page = await get({ port } as Viewer, "/");
      assert.equal(page.status, 200);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill(signal);
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, new RegExp(`${signal}, stopping`));
      const warnings = stderr.split("\n").filter((l) => /warning/.test(l));
      assert.equal(warnings.length, signal === "SIGTERM" ? 1 : 0, stderr);
    });
});
