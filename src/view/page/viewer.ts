/**
 * The page of `adept view` (docs/viewer.md): MuJoCo (the same wasm build and the same
 * MujocoEnv and task table as `adept eval`) and the policy run here, in the browser. Episodes follow
 * `adept eval --seed s`: episode i resets with the i-th draw of Rng(s), so the first episode
 * of seed s is `adept eval --episodes 1 --seed s`, step for step.
 *
 * `window.adeptViewer.state()` reports what the panel shows, for tests and scripts.
 */
import { MujocoEnv } from "../../envs/mujoco-env.js";
import { type BatchPolicy, RANDOM_POLICY_SEED_OFFSET, randomPolicy } from "../../envs/policy.js";
import type { LocomotionTask } from "../../envs/scores.js";
import { normalizedScore } from "../../envs/scores.js";
import { LOCOMOTION_TASKS } from "../../envs/tasks.js";
import { Rng } from "../../util/rng.js";
import type { ViewerState } from "../state.js";
import { BodyScene } from "./scene.js";

interface PageConfig {
  task: LocomotionTask;
  label: string;
  policy: "checkpoint" | "random";
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function main(): Promise<void> {
  const config = (await (await fetch("/config.json")).json()) as PageConfig;
  $("title").textContent = `adept view · ${config.task}`;
  $("policy").textContent = `policy: ${config.label}`;
  const xml = await (await fetch("/model.xml")).text();
  const env = await MujocoEnv.create(LOCOMOTION_TASKS[config.task], { xml });
  const dt = env.spec.dt;
  const actionSpace = env.spec.actionSpace;

  let checkpointPolicy: BatchPolicy | undefined;
  if (config.policy === "checkpoint") {
    const doc = await (await fetch("/policy.json")).json();
    const forward = "/policy-forward.mjs"; // the forward of `adept export --format json`
    const { act } = (await import(forward)) as { act: (p: unknown, o: Float32Array, n: number) => Float32Array };
    checkpointPolicy = (observations, n) => act(doc, observations, n);
  }

  let scene: BodyScene | undefined;
  try {
    scene = new BodyScene($("stage"), env.simulation.model);
  } catch (error) {
    $("status").textContent = `cannot draw (WebGL: ${(error as Error).message}); the simulation still runs`;
  }

  const params = new URLSearchParams(location.search);
  const state: ViewerState = {
    ready: false,
    playing: false,
    seed: 0,
    episode: 0,
    step: 0,
    return: 0,
    episodes: [],
    totalSteps: 0,
    drawing: scene !== undefined,
  };
  let seedStream = new Rng(0);
  let policy: BatchPolicy = randomPolicy(actionSpace, new Rng(RANDOM_POLICY_SEED_OFFSET));
  let resetSeed = 0;

  const startEpisode = (): void => {
    resetSeed = seedStream.nextUint32();
    env.reset(resetSeed);
    state.step = 0;
    state.return = 0;
  };
  /** Starts seed `seed` over: episode 0, a fresh random-policy stream (as adept eval builds one). */
  const restart = (seed: number): void => {
    state.seed = seed;
    seedStream = new Rng(seed);
    policy = checkpointPolicy ?? randomPolicy(actionSpace, new Rng(seed + RANDOM_POLICY_SEED_OFFSET));
    state.episodes = [];
    state.episode = 0;
    renderEpisodes();
    startEpisode();
  };
  /** One environment step; true when it ended the episode (the next one has begun). */
  const stepOnce = (): boolean => {
    const observation = env.observe();
    const result = env.step(policy(observation, 1));
    state.return += result.reward;
    state.step++;
    state.totalSteps++;
    if (!(result.terminated || result.truncated)) return false;
    state.episodes.push({
      index: state.episode,
      resetSeed,
      length: state.step,
      return: state.return,
      score: normalizedScore(config.task, state.return),
      terminated: result.terminated,
    });
    renderEpisodes();
    state.episode++;
    startEpisode();
    return true;
  };

  const renderEpisodes = (): void => {
    const body = $("episodes");
    body.replaceChildren(
      ...state.episodes.map((e) => {
        const row = document.createElement("tr");
        for (const cell of [String(e.index + 1), `${e.length}${e.terminated ? "" : "·"}`, e.return.toFixed(2), e.score.toFixed(1)]) {
          const td = document.createElement("td");
          td.textContent = cell;
          row.appendChild(td);
        }
        return row;
      }),
    );
  };

  const play = $<HTMLButtonElement>("play");
  const setPlaying = (on: boolean): void => {
    state.playing = on;
    play.textContent = on ? "Pause" : "Play";
  };
  const seedInput = $<HTMLInputElement>("seed");
  const speedSelect = $<HTMLSelectElement>("speed");
  const readSeed = (): number => {
    const seed = Math.max(0, Math.trunc(Number(seedInput.value) || 0));
    seedInput.value = String(seed);
    return seed;
  };
  play.addEventListener("click", () => setPlaying(!state.playing));
  $("reset").addEventListener("click", () => restart(readSeed()));
  seedInput.addEventListener("change", () => restart(readSeed()));

  // The URL can preset the controls: ?seed=3&speed=max&play=1.
  if (params.has("seed")) seedInput.value = params.get("seed") as string;
  const speedParam = params.get("speed");
  if (speedParam && [...speedSelect.options].some((o) => o.value === speedParam)) speedSelect.value = speedParam;
  restart(readSeed());

  // Steps owed to real time at the chosen speed; an ended episode holds its last frame a moment.
  let owed = 0;
  let last = performance.now();
  let holdUntil = 0;
  const frame = (now: number): void => {
    const elapsed = Math.min(0.1, (now - last) / 1000);
    last = now;
    if (state.playing && now >= holdUntil) {
      const speed = speedSelect.value;
      if (speed === "max") {
        // As many steps as fit in ~12 ms, so the page still draws at its frame rate.
        const start = performance.now();
        while (performance.now() - start < 12) stepOnce();
      } else {
        owed += (elapsed * Number(speed)) / dt;
        while (owed >= 1) {
          owed--;
          if (stepOnce()) {
            owed = 0;
            holdUntil = now + 600;
            break;
          }
        }
      }
    }
    $("episode").textContent = String(state.episode + 1);
    $("step").textContent = String(state.step);
    $("return").textContent = state.return.toFixed(2);
    scene?.draw(env.simulation.data);
    requestAnimationFrame(frame);
  };
  state.ready = true;
  if (scene) $("status").textContent = "";
  setPlaying(params.get("play") === "1");
  requestAnimationFrame(frame);
  (window as unknown as { adeptViewer: unknown }).adeptViewer = {
    state: (): ViewerState => structuredClone(state),
    stepOnce,
    restart,
    setPlaying,
  };
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  const status = document.getElementById("status");
  if (status) status.textContent = `error: ${message}`;
  (window as unknown as { adeptViewer: unknown }).adeptViewer = { state: () => ({ ready: false, error: message }) };
});
