// A hopper checkpoint for the viewer's tests: an untrained SAC actor (its episodes last ~100+
// steps, long enough for chaotic contact dynamics to show any drift) with fixed statistics.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { saveAgentCheckpoint } from "../../src/agents/checkpoint.js";
import { makeAgent } from "../../src/agents/registry.js";
import { featureStats } from "../../src/data/normalizer.js";

/** Writes `<dir>/run/best.safetensors` (a run directory as adept train leaves it) and returns both paths. */
export function hopperRun(dir: string): { runDir: string; checkpoint: string } {
  const agent = makeAgent("sac", 11, 3, {}, 1);
  const observations = new Float32Array(1100);
  for (let i = 0; i < observations.length; i++) observations[i] = Math.sin(i) * (1 + (i % 11));
  const one = featureStats(new Float32Array([0, 1]), 1);
  const stats = {
    version: 1 as const,
    eps: 1e-3,
    observations: featureStats(observations, 11),
    actions: one,
    rewards: one,
    rewardScale: 1,
  };
  const runDir = join(dir, "run");
  mkdirSync(runDir, { recursive: true });
  const checkpoint = join(runDir, "best.safetensors");
  saveAgentCheckpoint(checkpoint, agent, { stats, task: "hopper" });
  return { runDir, checkpoint };
}
