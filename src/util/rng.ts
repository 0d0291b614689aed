/**
 * A seeded pseudo-random generator (xoshiro128**), passed explicitly wherever randomness
 * is needed: the same seed gives bit-identical streams on every machine. Its whole state
 * is four 32-bit words, so checkpoints can save and restore it exactly.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second Box–Muller variate, cached between calls to {@link normal}. */
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Resets the stream from an integer seed (expanded with splitmix32). */
  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = Number.NaN;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal variate (Box–Muller; the second variate is cached). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fills `out` with U(low, high). */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): void {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.uniform();
  }

  /** Fills `out` with N(mean, std²). */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
  }

  /**
   * A new generator for an independent stream. With a `name`, the stream is derived from this
   * generator's state and the name, and this generator does not advance: `new Rng(seed).fork("sampler")`
   * is the same stream however many other streams were forked before it, and no two names (nor
   * two seeds) share one — unlike `seed + 1`, which is the next seed's stream. Without a name,
   * the child is seeded from the next draw (this generator advances), e.g. one per worker.
   */
  fork(name?: string): Rng {
    if (name === undefined) return new Rng(this.nextUint32());
    // FNV-1a of the name, then each state word mixed with it (murmur3's finalizer, a bijection
    // on 32 bits), so the child's 128-bit state depends on the whole parent state and the name.
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    const words = [this.s0, this.s1, this.s2, this.s3].map((w, k) => fmix32((w ^ Math.imul(h + k + 1, 0x9e3779b1)) >>> 0));
    const child = new Rng(0);
    child.setState({ s: words[0]! | words[1]! | words[2]! | words[3]! ? words : [1, 0, 0, 0], spareNormal: null });
    return child;
  }

  /** The 32-bit seed of the stream `name` (see {@link fork}), for APIs that take a seed rather than a generator. */
  seedFor(name: string): number {
    return this.fork(name).nextUint32();
  }

  /** The full state, for checkpoints. */
  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: Number.isNaN(this.spareNormal) ? null : this.spareNormal };
  }

  /** Restores a state returned by {@link getState}. */
  setState(state: RngState): void {
    if (!Array.isArray(state.s) || state.s.length !== 4) throw new TypeError("Rng.setState: expected { s: [4 words] }");
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w >>> 0) as [number, number, number, number];
    this.spareNormal = state.spareNormal ?? Number.NaN;
  }
}

/** Serializable generator state (JSON-safe). */
export interface RngState {
  s: number[];
  spareNormal: number | null;
}

/** murmur3's 32-bit finalizer: a bijection that mixes every input bit into every output bit. */
function fmix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The named random streams of a training run, each derived from the run's seed with
 * {@link Rng.fork}: the agent's initialization and its own draws, the batch sampler, the world
 * model, π_β's fit, the ADEPT loop's draws (importance-sampled batches, rollout starts, model
 * sampling), evaluation episodes, and online SAC's environment and warm-up actions.
 */
export const RUN_STREAMS = ["agent", "sampler", "worldModel", "behaviour", "loop", "eval", "env", "warmup"] as const;
export type RunStream = (typeof RUN_STREAMS)[number];

/** Stream `name` of the run with seed `seed`. */
export function runStream(seed: number, name: RunStream): Rng {
  return new Rng(seed).fork(name);
}

/** The 32-bit seed of stream `name` of the run with seed `seed`, for APIs that take a seed. */
export function runSeed(seed: number, name: RunStream): number {
  return new Rng(seed).seedFor(name);
}
