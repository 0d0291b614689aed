/**
 * The local web server of `adept view` (docs/viewer.md). Every response body is built or read
 * into memory when the server starts, into one table keyed by exact URL path; a request is a
 * single lookup of its path in that table. So no part of a URL ever reaches the file system:
 * `/../`, `%2e%2e/`, absolute paths and symlinks are simply paths that are not in the table (404).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readAsset } from "../envs/assets.js";
import { LOCOMOTION_TASKS } from "../envs/tasks.js";
import { POLICY_FORWARD_SOURCE } from "../export/json.js";
import { pageHtml } from "./page-html.js";
import type { ViewTarget } from "./target.js";

/**
 * The compiled modules of src/ that the page imports (relative to dist/src/), served under
 * /app/: the page itself and the environment code it reuses unchanged, so the page resets,
 * steps, observes and rewards exactly as `adept eval` does.
 */
export const PAGE_MODULES = [
  "view/page/viewer.js",
  "view/page/scene.js",
  "envs/mujoco-env.js",
  "envs/mujoco.js",
  "envs/task.js",
  "envs/tasks.js",
  "envs/scores.js",
  "envs/policy.js",
  "util/rng.js",
  "util/errors.js",
];

/** Bare specifiers the page imports → the URL each is served at (the page's import map). */
export const IMPORT_MAP: Record<string, string> = {
  three: "/vendor/three/three.module.js",
  "three/addons/controls/OrbitControls.js": "/vendor/three/OrbitControls.js",
  "mujoco-js": "/vendor/mujoco-js/mujoco_wasm.js",
};

interface Asset {
  type: string;
  body: Buffer;
}

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  target: ViewTarget;
  /** Interface to bind (default 127.0.0.1: only this machine can connect). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
}

/** A running viewer. */
export interface Viewer {
  url: string;
  host: string;
  port: number;
  /** Stops accepting, closes open connections and resolves when the server is down. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** True when `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const distSrc = fileURLToPath(new URL("../", import.meta.url));

function file(path: string, type: string): Asset {
  return { type, body: readFileSync(path) };
}

function text(body: string, type: string): Asset {
  return { type, body: Buffer.from(body) };
}

/** The whole site: URL path → response, read once. */
async function buildRoutes(target: ViewTarget): Promise<Map<string, Asset>> {
  const js = "text/javascript; charset=utf-8";
  const def = LOCOMOTION_TASKS[target.task];
  const routes = new Map<string, Asset>();
  const { html } = pageHtml(IMPORT_MAP);
  routes.set("/", text(html, "text/html; charset=utf-8"));
  const config = { task: target.task, label: target.label, policy: target.policy ? "checkpoint" : "random" };
  routes.set("/config.json", text(JSON.stringify(config), "application/json"));
  routes.set("/model.xml", text(await readAsset(def.asset), "application/xml"));
  routes.set("/policy-forward.mjs", text(POLICY_FORWARD_SOURCE, js));
  if (target.policy) routes.set("/policy.json", text(JSON.stringify(target.policy), "application/json"));
  for (const module of PAGE_MODULES) routes.set(`/app/${module}`, file(join(distSrc, module), js));
  const three = fileURLToPath(import.meta.resolve("three"));
  routes.set(IMPORT_MAP.three as string, file(three, js));
  routes.set("/vendor/three/three.core.js", file(join(dirname(three), "three.core.js"), js));
  routes.set(
    IMPORT_MAP["three/addons/controls/OrbitControls.js"] as string,
    file(fileURLToPath(import.meta.resolve("three/addons/controls/OrbitControls.js")), js),
  );
  routes.set(IMPORT_MAP["mujoco-js"] as string, file(fileURLToPath(import.meta.resolve("mujoco-js")), js));
  return routes;
}

/** Starts the viewer's server for `target` and resolves once it listens. */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? "127.0.0.1";
  const routes = await buildRoutes(options.target);
  const { csp } = pageHtml(IMPORT_MAP);
  let allowedHosts: Set<string> | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // DNS rebinding: a page on another site whose name resolves to 127.0.0.1 would send its own
    // Host header; on loopback only requests naming this server are answered.
    if (allowedHosts && !allowedHosts.has(req.headers.host ?? "")) {
      reply(res, 421, "misdirected request\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      reply(res, 405, "method not allowed\n");
      return;
    }
    // The exact path, undecoded and unnormalized: only the table's own keys match.
    const path = (req.url ?? "").split("?")[0] as string;
    const asset = routes.get(path);
    if (!asset) {
      reply(res, 404, "not found\n");
      return;
    }
    res.writeHead(200, {
      "Content-Type": asset.type,
      "Content-Length": asset.body.length,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cross-Origin-Resource-Policy": "same-origin",
      ...(path === "/" ? { "Content-Security-Policy": csp } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : asset.body);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (isLoopback(host)) allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostForUrl(host)}:${port}`]);
  return {
    url: `http://${hostForUrl(host)}:${port}/`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end(body);
}
