// An environment written in JavaScript, given by path (`adept eval --env ./my-env.js`): a
// module exporting Gymnasium-like spaces and a factory, checked when it loads and on every
// call so that a wrong shape is one clear line naming the module and what it returned.
//
//   export const observationSpace = { low: [...], high: [...] };   // or { shape: [n], low, high }
//   export const actionSpace = { low: [...], high: [...] };
//   export const maxEpisodeSteps = 200;                            // optional (default 1000)
//   export function make() { return { reset(seed) { … return obs }, step(action) { … return { observation, reward, terminated, truncated } } }; }
//
// A module may instead export `task`, a MuJoCo task definition (task.ts): it is registered
// (`registerTask`) and the module's environments are that task's.
//
// `reset` may also return Gymnasium's [observation, info] and `step` its
// [observation, reward, terminated, truncated, info]. See docs/envs.md, "Any environment in JS".
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../util/errors.js";
import { registerTask } from "./registry.js";
import type { EnvSource, EpisodicEnv } from "./source.js";
import { MAX_EPISODE_STEPS, type MujocoTask } from "./task.js";
import type { BoxSpace } from "./types.js";

/** A module that does not load, or exports the wrong shape; the message names the module. */
export class EnvModuleError extends UserError {
  override name = "EnvModuleError";
}

interface ModuleExports {
  make?: unknown;
  task?: unknown;
  observationSpace?: unknown;
  actionSpace?: unknown;
  maxEpisodeSteps?: unknown;
}

/** Loads and checks an environment module (see the module comment). */
export async function loadEnvModule(path: string): Promise<EnvSource> {
  const file = resolve(path);
  if (!existsSync(file)) throw new EnvModuleError(`--env ${path}: no such file`);
  let namespace: ModuleExports & { default?: ModuleExports };
  try {
    namespace = (await import(pathToFileURL(file).href)) as typeof namespace;
  } catch (error) {
    throw new EnvModuleError(`--env ${path}: the module does not load: ${firstLine(error)}`);
  }
  // Named exports, or the same fields on a default export.
  const mod: ModuleExports = typeof namespace.make === "function" || namespace.task ? namespace : (namespace.default ?? namespace);
  if (mod.task !== undefined && mod.make === undefined) return mujocoTaskSource(path, mod.task);
  if (typeof mod.make !== "function")
    throw new EnvModuleError(
      `--env ${path}: the module must export make() returning an environment with reset(seed) and step(action), or a MuJoCo task definition as \`task\``,
    );
  const observationSpace = boxOf(path, "observationSpace", mod.observationSpace);
  const actionSpace = boxOf(path, "actionSpace", mod.actionSpace);
  for (let i = 0; i < actionSpace.dim; i++)
    if (!(Number.isFinite(actionSpace.low[i]) && Number.isFinite(actionSpace.high[i])))
      throw new EnvModuleError(
        `--env ${path}: actionSpace must be bounded (low[${i}] = ${actionSpace.low[i]}, high[${i}] = ${actionSpace.high[i]})`,
      );
  const limit = mod.maxEpisodeSteps ?? MAX_EPISODE_STEPS;
  if (!Number.isInteger(limit) || (limit as number) < 1)
    throw new EnvModuleError(`--env ${path}: maxEpisodeSteps must be a positive integer, got ${String(limit)}`);
  const make = mod.make as () => unknown;
  return {
    entry: { name: path, task: path, gymId: "" },
    observationSpace,
    actionSpace,
    maxEpisodeSteps: limit as number,
    async create(options = {}) {
      let env: unknown;
      try {
        env = await make();
      } catch (error) {
        throw new EnvModuleError(`--env ${path}: make() threw: ${firstLine(error)}`);
      }
      const e = env as { reset?: unknown; step?: unknown } | null;
      if (typeof e !== "object" || e === null || typeof e.reset !== "function" || typeof e.step !== "function")
        throw new EnvModuleError(`--env ${path}: make() must return an object with reset(seed) and step(action) methods`);
      return new ModuleEnv(path, env as UserEnv, observationSpace, actionSpace, options.maxEpisodeSteps ?? (limit as number));
    },
  };
}

/** The source of a module's MuJoCo task: registered, then opened like any task name. */
async function mujocoTaskSource(path: string, task: unknown): Promise<EnvSource> {
  const { openEnv } = await import("./source.js"); // source.ts imports this module: loaded when needed
  const registered = registerTask(task as MujocoTask); // checks every field, naming the task
  const source = await openEnv(registered.name);
  return { ...source, entry: { ...source.entry, name: path } };
}

/** What a module's `make()` returns. */
interface UserEnv {
  reset(seed?: number): unknown;
  step(action: Float64Array): unknown;
  close?(): void;
}

/** A module's environment behind checks: widths, types, and our time limit on top of its own. */
class ModuleEnv implements EpisodicEnv {
  readonly spec: EpisodicEnv["spec"];
  private readonly observation: Float32Array;
  private readonly result: { observation: Float32Array; reward: number; terminated: boolean; truncated: boolean };
  private steps = 0;

  constructor(
    private readonly path: string,
    private readonly env: UserEnv,
    observationSpace: BoxSpace,
    actionSpace: BoxSpace,
    maxEpisodeSteps: number,
  ) {
    this.spec = { observationSpace, actionSpace, maxEpisodeSteps };
    this.observation = new Float32Array(observationSpace.dim);
    this.result = { observation: this.observation, reward: 0, terminated: false, truncated: false };
  }

  reset(seed?: number): Float32Array {
    let out = this.call("reset(seed)", () => this.env.reset(seed));
    // Gymnasium ≥ 0.26 returns [observation, info].
    if (Array.isArray(out) && out.length === 2 && typeof out[0] === "object") out = out[0];
    this.steps = 0;
    return this.read("reset(seed)", out);
  }

  step(action: Float64Array): ReturnType<EpisodicEnv["step"]> {
    const out = this.call("step(action)", () => this.env.step(action));
    let observation: unknown, reward: unknown, terminated: unknown, truncated: unknown;
    if (Array.isArray(out))
      [observation, reward, terminated, truncated] = out; // Gymnasium's 5-tuple
    else if (typeof out === "object" && out !== null) ({ observation, reward, terminated, truncated } = out as Record<string, unknown>);
    else
      throw new EnvModuleError(
        `--env ${this.path}: step(action) must return { observation, reward, terminated, truncated }, got ${describe(out)}`,
      );
    this.read("step(action)", observation);
    if (typeof reward !== "number")
      throw new EnvModuleError(`--env ${this.path}: step(action) returned reward ${describe(reward)}, expected a number`);
    this.steps++;
    const r = this.result;
    r.reward = reward;
    r.terminated = Boolean(terminated);
    r.truncated = Boolean(truncated) || this.steps >= this.spec.maxEpisodeSteps;
    return r;
  }

  close(): void {
    this.env.close?.();
  }

  private call(what: string, f: () => unknown): unknown {
    let out: unknown;
    try {
      out = f();
    } catch (error) {
      throw new EnvModuleError(`--env ${this.path}: ${what} threw: ${firstLine(error)}`);
    }
    if (out instanceof Promise) throw new EnvModuleError(`--env ${this.path}: ${what} returned a Promise; it must return synchronously`);
    return out;
  }

  /** Copies an observation into our buffer after checking its width. */
  private read(what: string, value: unknown): Float32Array {
    const dim = this.observation.length;
    const v = value as ArrayLike<unknown> | null;
    if (typeof v !== "object" || v === null || typeof v.length !== "number")
      throw new EnvModuleError(`--env ${this.path}: ${what} returned observation ${describe(value)}, expected an array of ${dim} numbers`);
    if (v.length !== dim)
      throw new EnvModuleError(`--env ${this.path}: ${what} returned an observation of width ${v.length}, but observationSpace has ${dim}`);
    for (let i = 0; i < dim; i++) this.observation[i] = v[i] as number;
    return this.observation;
  }
}

/** A box space from `{ low: number[], high: number[] }` or `{ shape: [n], low: number, high: number }`. */
function boxOf(path: string, key: string, value: unknown): BoxSpace {
  const bad = (why: string): never => {
    throw new EnvModuleError(`--env ${path}: ${key} ${why}; expected { low: number[], high: number[] } or { shape: [n], low, high }`);
  };
  if (typeof value !== "object" || value === null) return bad(value === undefined ? "is not exported" : `is ${describe(value)}`);
  const { low, high, shape } = value as { low?: unknown; high?: unknown; shape?: unknown };
  let dim: number;
  if (Array.isArray(shape) || ArrayBuffer.isView(shape)) {
    const s = Array.from(shape as ArrayLike<number>);
    if (s.length !== 1 || !Number.isInteger(s[0]) || (s[0] as number) < 1)
      return bad(`has shape [${s.join(", ")}], but only 1-D boxes are supported`);
    dim = s[0] as number;
  } else if (isNumberArray(low)) dim = low.length;
  else return bad("has no shape and no low array");
  const expand = (v: unknown, name: string, fill: number): Float64Array => {
    if (v === undefined) return new Float64Array(dim).fill(fill);
    if (typeof v === "number") return new Float64Array(dim).fill(v);
    if (!isNumberArray(v) || v.length !== dim) return bad(`.${name} must be a number or ${dim} numbers`);
    return Float64Array.from(v);
  };
  const lo = expand(low, "low", Number.NEGATIVE_INFINITY);
  const hi = expand(high, "high", Number.POSITIVE_INFINITY);
  for (let i = 0; i < dim; i++) if (!((lo[i] as number) <= (hi[i] as number))) bad(`has low[${i}] = ${lo[i]} above high[${i}] = ${hi[i]}`);
  return { dim, low: lo, high: hi };
}

function isNumberArray(v: unknown): v is ArrayLike<number> {
  return (Array.isArray(v) || ArrayBuffer.isView(v)) && Array.from(v as ArrayLike<unknown>).every((x) => typeof x === "number");
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? "an object without those fields" : `${typeof value} ${String(value)}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] as string;
}
