// A MuJoCo task that is not built in, defined from its MJCF file: Gymnasium's
// InvertedPendulum-v4 (a cart on a rail balancing a pole). Use it from the library with
// `registerTask(task)` and then any name-taking API (`makeEnv("inverted-pendulum")`,
// `evaluate`, `collectTransitions`, ADEPT's model rollouts on its data), or from the CLI as
// `adept eval --env examples/inverted-pendulum.js` (a module that exports `task` is
// registered when it loads). See docs/envs.md, "Your own MuJoCo task".
import { fileURLToPath } from "node:url";

/** Gymnasium: terminated = not all(isfinite(obs)) or |obs[1]| > 0.2 (the pole's angle, rad). */
function poleFell(observations, i, S) {
  for (let j = 0; j < S; j++) if (!Number.isFinite(observations[i * S + j])) return true;
  return Math.abs(observations[i * S + 1]) > 0.2;
}

export const task = {
  name: "inverted-pendulum",
  gymId: "InvertedPendulum-v4",
  mjcf: { file: fileURLToPath(new URL("./inverted_pendulum.xml", import.meta.url)) },
  frameSkip: 2,
  observationDim: 4, // [cart x, pole angle, cart velocity, pole angular velocity]
  actionDim: 1,
  actionSpace: { low: [-3], high: [3] }, // the motor's ctrlrange
  // Gymnasium's _get_obs: concatenate(qpos, qvel).
  observe(qpos, qvel, out, offset) {
    out[offset] = qpos[0];
    out[offset + 1] = qpos[1];
    out[offset + 2] = qvel[0];
    out[offset + 3] = qvel[1];
  },
  // +1 for every step, the terminal one included.
  reward: () => 1,
  // The same rule on the simulator's float64 state (the env's own episode end) …
  terminated: (qpos, qvel) =>
    !(Number.isFinite(qpos[0]) && Number.isFinite(qpos[1]) && Number.isFinite(qvel[0]) && Number.isFinite(qvel[1])) ||
    Math.abs(qpos[1]) > 0.2,
  // … and on observation rows, for model rollouts (MOPO-style termination functions).
  terminationRule: poleFell,
  // reset_model: qpos, qvel = init + U(−0.01, 0.01).
  resetNoise: { qposUniform: 0.01, qvelScale: 0.01, qvelDistribution: "uniform" },
  maxEpisodeSteps: 1000,
  // random: a uniform random policy's mean return over 1000 episodes, measured with
  // `adept eval --env examples/inverted-pendulum.js --episodes 1000 --json` (5.982 ± 3.35);
  // expert: the most a policy can get, balancing for the whole time limit.
  referenceScores: { random: 5.982, expert: 1000 },
};
