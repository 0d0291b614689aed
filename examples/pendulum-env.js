// A Gymnasium-like environment in plain JavaScript: Gymnasium's Pendulum-v1 (the same
// dynamics, reward and reset distribution). The OPE tests (test/ope/) log data from it and
// simulate true policy values with it. It is also an `--env ./my-env.js` module
// (`adept eval --env examples/pendulum-env.js`, docs/envs.md "Any environment in JS"):
// observationSpace / actionSpace, and make() returning an object with reset(seed) →
// observation and step(action) → { observation, reward, terminated, truncated }.

const G = 10;
const M = 1;
const L = 1;
const DT = 0.05;
const MAX_SPEED = 8;
const MAX_TORQUE = 2;

export const observationSpace = { low: [-1, -1, -MAX_SPEED], high: [1, 1, MAX_SPEED] };
export const actionSpace = { low: [-MAX_TORQUE], high: [MAX_TORQUE] };
/** Gymnasium's TimeLimit for Pendulum-v1. */
export const maxEpisodeSteps = 200;

/** A small seeded generator (mulberry32), so reset(seed) is reproducible. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const angleNormalize = (x) => ((((x + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;

/** One pendulum. */
export function make() {
  let theta = 0;
  let speed = 0;
  let steps = 0;
  let random = generator(0);
  const observation = new Float32Array(3);
  const observe = () => {
    observation[0] = Math.cos(theta);
    observation[1] = Math.sin(theta);
    observation[2] = speed;
    return observation;
  };
  return {
    reset(seed) {
      if (seed !== undefined) random = generator(seed);
      theta = Math.PI * (2 * random() - 1);
      speed = 2 * random() - 1;
      steps = 0;
      return observe();
    },
    step(action) {
      const u = Math.min(Math.max(action[0], -MAX_TORQUE), MAX_TORQUE);
      const cost = angleNormalize(theta) ** 2 + 0.1 * speed ** 2 + 0.001 * u ** 2;
      speed = Math.min(Math.max(speed + ((3 * G) / (2 * L)) * Math.sin(theta) * DT + (3 / (M * L * L)) * u * DT, -MAX_SPEED), MAX_SPEED);
      theta += speed * DT;
      steps++;
      return { observation: observe(), reward: -cost, terminated: false, truncated: steps >= maxEpisodeSteps };
    },
  };
}
