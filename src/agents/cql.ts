/**
 * Conservative Q-Learning (Kumar, Zhou, Tucker & Levine, 2020): CQL(H) on a SAC learner,
 * following CORL's `algorithms/offline/cql.py` (itself a port of young-geng/CQL).
 *
 *   y        = r + γ(1 − d)·min Q̄(s′, a′),  a′ ~ π(·|s′)                 (− α log π(a′|s′) with backupEntropy)
 *   L_TD(θᵢ) = E[ (Q_θᵢ(s, a) − y)² ]
 *   Δᵢ(s)    = T·log Σₖ exp((Q_θᵢ(s, aₖ) − log μ(aₖ|s)) / T) − Q_θᵢ(s, a)     (paper eq. 4, importance-sampled, App. F)
 *              over 3n actions: n ~ U[−1, 1]^|A| (log μ = −|A| log 2), n ~ π(·|s′) and n ~ π(·|s) (log μ = log π)
 *   L_Q      = Σᵢ L_TD(θᵢ) + α_cql · E[clip(Δᵢ(s))]                          (Lagrange: α_cql·α′·(E[clip Δᵢ] − τ_gap))
 *   L_α′     = −½ Σᵢ α′·α_cql·(E[clip Δᵢ] − τ_gap)                            (α′ grows while the gap exceeds τ_gap)
 *   L_π      = E[ α log π(ã|s) − min Q(s, ã) ],  ã ~ π(·|s) reparameterized  (first bcSteps: E[α log π(ã|s) − log π(a|s)])
 *   L_α      = −E[ log α · (log π(ã|s) + H̄) ],  H̄ = −|A|
 *
 * As in CORL, every loss of an update is taken at the parameters from before the update,
 * and the steps follow in CORL's order (α′, α, π, Q), then the Polyak update.
 */
import type { TransitionBatch } from "../data/replay.js";
import { TanhGaussian } from "../distributions/gaussian.js";
import { frozen } from "../nn/freeze.js";
import { MLP } from "../nn/layers.js";
import { Module, parameter, prefixed, uniformInit } from "../nn/module.js";
import { Adam, polyakUpdate } from "../nn/optim.js";
import type { StateSource } from "../nn/state-source.js";
import {
  add,
  addScalar,
  clamp,
  concatCols,
  exp,
  gatherRows,
  logsumexp,
  mean,
  mul,
  neg,
  randomUniform,
  scale,
  sliceCols,
  sqrt,
  square,
  sub,
  sum,
} from "../tensor/ops.js";
import { backward, detach, noGrad, scope, Tensor } from "../tensor/tensor.js";
import { type ConfigOf, defineConfig, resolveConfig } from "../util/config.js";
import { Rng } from "../util/rng.js";
import { concatRows, foldColumns } from "./_ops.js";
import { type Agent, AgentBase, type AgentState, batchTensors, collectTensors, type Metrics, restoreTensors } from "./agent.js";
import { hiddenOf, TwinQ } from "./networks.js";

export const CQL_CONFIG = defineConfig({
  actorLr: { default: 3e-5, doc: "learning rate of π (CORL policy_lr)" },
  criticLr: { default: 3e-4, doc: "learning rate of the critics and of log α′ (CORL qf_lr)" },
  alphaLr: { default: 3e-5, doc: "learning rate of log α (CORL: the policy lr)" },
  discount: { default: 0.99, doc: "γ, discount factor (CORL)" },
  tau: { default: 5e-3, doc: "Polyak rate of the target critics (CORL soft_target_update_rate)" },
  targetUpdatePeriod: { default: 1, doc: "updates between Polyak steps of the target critics (CORL)" },
  alphaMultiplier: { default: 1.0, doc: "factor on α = exp(log α) in every loss; α itself when autoAlpha is off (CORL)" },
  autoAlpha: { default: true as boolean, doc: "learn α toward the target entropy −|A| (CORL use_automatic_entropy_tuning)" },
  backupEntropy: { default: false as boolean, doc: "subtract α log π(a′|s′) in the TD target (CORL: false)" },
  bcSteps: { default: 0, doc: "first updates in which π does behaviour cloning instead of maximizing Q (CORL; AntMaze uses more)" },
  cqlNActions: { default: 10, doc: "n, actions sampled per source (uniform, π(·|s), π(·|s′)) per state (CORL)" },
  cqlImportanceSample: { default: true as boolean, doc: "subtract each sampled action's log-density inside the logsumexp (CORL)" },
  cqlAlpha: { default: 10.0, doc: "α_cql, weight of the conservative penalty (CORL D4RL MuJoCo configs: 10)" },
  cqlTemp: { default: 1.0, doc: "T, temperature of the logsumexp (CORL)" },
  cqlLagrange: { default: false as boolean, doc: "tune α′ so that the gap tracks cqlTargetActionGap (CORL: false)" },
  cqlTargetActionGap: { default: -1.0, doc: "τ_gap, the gap the Lagrange variant aims at (CORL)" },
  cqlMaxTargetBackup: { default: false as boolean, doc: "back up the max over n sampled next actions of min Q̄ (CORL: false)" },
  // NOTE(deviation): CORL's clip bounds default to ±inf; configs here are finite JSON numbers,
  // so "no clip" is ±1e9 (a gap beyond that is divergence either way).
  cqlClipDiffMin: { default: -1e9, doc: "lower clip of the per-state gap Δ (CORL −inf; −1e9 is no clip)" },
  cqlClipDiffMax: { default: 1e9, doc: "upper clip of the per-state gap Δ (CORL +inf; 1e9 is no clip)" },
  orthogonalInit: { default: true as boolean, doc: "orthogonal init of the critics: gain √2 hidden, 1e-2 output, zero biases (CORL)" },
  hiddenWidth: { default: 256, doc: "width of every hidden layer (CORL)" },
  criticDepth: { default: 3, doc: "hidden layers of each critic (CORL q_n_hidden_layers)" },
  actorDepth: { default: 3, doc: "hidden layers of the actor (CORL: 3, fixed)" },
  logStdMultiplier: { default: 1.0, doc: "initial value of the learned scale m in log σ = m·ℓ(s) + b (CORL policy_log_std_multiplier)" },
});
export type CQLConfig = ConfigOf<typeof CQL_CONFIG>;

// ---- initialization -------------------------------------------------------------------

/**
 * Fills w [rows, cols] with gain × a random (semi-)orthogonal matrix whose rows or columns,
 * whichever are fewer, are orthonormal (torch.nn.init.orthogonal_): Gram–Schmidt on Gaussian
 * vectors, which is QR with the sign fix, so the result is Haar-distributed.
 */
export function orthogonalInit(w: Tensor, gain: number, rng: Rng): void {
  const { rows, cols } = w;
  const n = Math.min(rows, cols),
    m = Math.max(rows, cols);
  const v = new Float64Array(n * m); // n vectors of length m
  rng.fillNormal(v);
  for (let i = 0; i < n; i++) {
    const vi = v.subarray(i * m, (i + 1) * m);
    for (let j = 0; j < i; j++) {
      const vj = v.subarray(j * m, (j + 1) * m);
      let dot = 0;
      for (let k = 0; k < m; k++) dot += vi[k]! * vj[k]!;
      for (let k = 0; k < m; k++) vi[k]! -= dot * vj[k]!;
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += vi[k]! * vi[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < m; k++) vi[k]! /= norm;
  }
  // vector i becomes column i of a tall matrix, or row i of a wide one
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) w.data[rows >= cols ? k * cols + i : i * cols + k] = gain * v[i * m + k]!;
}

/** CORL's init_module_weights: with `orthogonal`, hidden layers orthogonal (gain √2) and zero biases; the output layer small either way. */
function initLikeCorl(net: MLP, orthogonal: boolean, rng: Rng): void {
  const last = net.layers.length - 1;
  net.layers.forEach((layer, i) => {
    if (i < last && !orthogonal) return; // PyTorch's default init stays
    if (i === last && !orthogonal) {
      // xavier_uniform_(gain 1e-2): U(±gain·√(6 / (in + out)))
      uniformInit(layer.weight, 1e-2 * Math.sqrt(6 / (layer.inDim + layer.outDim)), rng);
    } else orthogonalInit(layer.weight, i < last ? Math.SQRT2 : 1e-2, rng);
    layer.bias?.data.fill(0);
  });
}

// ---- networks -------------------------------------------------------------------------

/** A learned scalar (log α, log α′), as a module so it saves and restores like the networks. */
class Scalar extends Module {
  readonly value = parameter(1, 1);

  constructor(init: number) {
    super();
    this.value.data[0] = init;
  }

  namedParameters(): [string, Tensor][] {
    return [["value", this.value]];
  }
}

/**
 * CORL's TanhGaussianPolicy: a = tanh(u), u ~ N(μ(s), σ(s)²), [μ | ℓ] = f(s), and
 * log σ = clamp(m·ℓ(s) + b, −20, 2) with learned scalars m (init logStdMultiplier) and b (init −1).
 */
export class CQLActor extends Module {
  readonly net: MLP;
  readonly logStdMultiplier = parameter(1, 1);
  readonly logStdOffset = parameter(1, 1);

  constructor(
    observationDim: number,
    readonly actionDim: number,
    width: number,
    depth: number,
    logStdMultiplier: number,
    rng: Rng,
  ) {
    super();
    this.net = new MLP(observationDim, 2 * actionDim, hiddenOf(width, depth), rng);
    // CORL calls init_module_weights on the actor without its orthogonal flag, so the actor
    // keeps PyTorch's default hidden init whatever orthogonalInit says; so do we.
    initLikeCorl(this.net, false, rng);
    this.logStdMultiplier.data[0] = logStdMultiplier;
    this.logStdOffset.data[0] = -1;
  }

  distribution(s: Tensor): TanhGaussian {
    const out = this.net.forward(s); // [B, 2A]
    const A = this.actionDim;
    const logStd = add(mul(sliceCols(out, A, 2 * A), this.logStdMultiplier), this.logStdOffset); // [B, A]
    return new TanhGaussian(sliceCols(out, 0, A), clamp(logStd, -20, 2));
  }

  namedParameters(): [string, Tensor][] {
    return [...prefixed("net", this.net), ["logStdMultiplier", this.logStdMultiplier], ["logStdOffset", this.logStdOffset]];
  }
}

// ---- the conservative penalty ---------------------------------------------------------

/**
 * E_s[clip(Δ(s))], Δ(s) = T·log Σₖ exp(vₖ(s) / T) − Q(s, a): the gap between a soft maximum
 * of Q over sampled actions and Q on the dataset action (eq. 4 of the paper).
 * `sampledQ` is [k·B, 1] in k stacked blocks of B states (block j holds the j-th sampled
 * action of every state); `logDensity` (same layout) is log μ(aₖ|s) when importance sampling,
 * else null, in which case Q(s, a) joins the k values (CORL). `dataQ` is [B, 1]. → [1, 1].
 */
export function conservativeGap(
  sampledQ: Tensor,
  dataQ: Tensor,
  logDensity: Tensor | null,
  k: number,
  temp: number,
  clipMin: number,
  clipMax: number,
): Tensor {
  let values = foldColumns(logDensity ? sub(sampledQ, logDensity) : sampledQ, k); // [B, k]
  if (!logDensity) values = concatCols([values, dataQ]); // [B, k+1]
  const softMax = scale(logsumexp(scale(values, 1 / temp)), temp); // [B, 1]
  return mean(clamp(sub(softMax, dataQ), clipMin, clipMax));
}

/** Mean of rows [start, end) of a [rows, 1] column (a diagnostic, no gradient). */
function blockMean(t: Tensor, start: number, end: number): number {
  let acc = 0;
  for (let i = start; i < end; i++) acc += t.data[i]!;
  return acc / (end - start);
}

// ---- the agent ------------------------------------------------------------------------

export class CQL extends AgentBase implements Agent {
  readonly algo = "cql";
  readonly config: CQLConfig;
  readonly critic: TwinQ;
  readonly targetCritic: TwinQ;
  readonly actor: CQLActor;
  readonly logAlpha = new Scalar(0); // α = 1 at the start (CORL)
  readonly logAlphaPrime = new Scalar(1); // α′ = e at the start (CORL)
  private readonly criticOpt: Adam;
  private readonly actorOpt: Adam;
  private readonly alphaOpt: Adam;
  private readonly alphaPrimeOpt: Adam;
  private readonly targetEntropy: number;
  /** Row r of a tile of n (or 3n) blocks of B states is state r mod B; rebuilt when B changes. */
  private tileN = new Int32Array(0);
  private tile3N = new Int32Array(0);

  constructor(
    readonly observationDim: number,
    readonly actionDim: number,
    config: Partial<CQLConfig> = {},
    seed = 0,
  ) {
    super(new Rng(seed));
    this.config = resolveConfig(CQL_CONFIG, config, "cql");
    const c = this.config;
    for (const key of ["cqlNActions", "targetUpdatePeriod", "hiddenWidth", "criticDepth", "actorDepth"] as const)
      if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`cql.${key}: expected a positive integer, got ${c[key]}`);
    // NOTE(deviation): CORL builds its second critic with the default 3 hidden layers whatever
    // q_n_hidden_layers says; both of ours use criticDepth (the same at the default).
    this.critic = new TwinQ(observationDim, actionDim, hiddenOf(c.hiddenWidth, c.criticDepth), this.rng);
    for (const q of [this.critic.q1, this.critic.q2]) initLikeCorl(q, c.orthogonalInit, this.rng);
    this.targetCritic = new TwinQ(observationDim, actionDim, hiddenOf(c.hiddenWidth, c.criticDepth), this.rng);
    this.targetCritic.copyFrom(this.critic);
    this.actor = new CQLActor(observationDim, actionDim, c.hiddenWidth, c.actorDepth, c.logStdMultiplier, this.rng);
    this.criticOpt = new Adam(this.critic.parameters(), { lr: c.criticLr });
    this.actorOpt = new Adam(this.actor.parameters(), { lr: c.actorLr });
    this.alphaOpt = new Adam(this.logAlpha.parameters(), { lr: c.alphaLr });
    this.alphaPrimeOpt = new Adam(this.logAlphaPrime.parameters(), { lr: c.criticLr });
    this.targetEntropy = -actionDim;
  }

  /** α, the entropy temperature used in the losses (alphaMultiplier alone when autoAlpha is off). */
  get alpha(): number {
    const c = this.config;
    return c.autoAlpha ? Math.exp(this.logAlpha.value.data[0]!) * c.alphaMultiplier : c.alphaMultiplier;
  }

  /** α′, the Lagrange multiplier of the penalty, clamped to [0, 1e6] (CORL); 0 when not Lagrange. */
  get alphaPrime(): number {
    return this.config.cqlLagrange ? Math.min(Math.exp(this.logAlphaPrime.value.data[0]!), 1e6) : 0;
  }

  update(batch: TransitionBatch): Metrics {
    const c = this.config;
    const B = batch.size;
    const n = c.cqlNActions;
    if (this.tileN.length !== n * B) {
      this.tileN = Int32Array.from({ length: n * B }, (_, r) => r % B);
      this.tile3N = Int32Array.from({ length: 3 * n * B }, (_, r) => r % B);
    }
    const alpha = this.alpha;
    const alphaPrime = this.alphaPrime;
    const bc = this.updates < c.bcSteps;
    const metrics = scope(() => {
      const { observations: s, actions: a, rewards: r, nextObservations: s2, notDone } = batchTensors(batch);

      // 1. Actor: maximize min Q − α log π through the reparameterized action (critics frozen);
      //    during the BC warm-up, the log-likelihood of the dataset action instead.
      const dist = this.actor.distribution(s);
      const { action: pi, logProb: logPi } = dist.rsample(this.rng); // [B, A], [B, 1]
      // NOTE(deviation): log π(a|s) of a dataset action clips it to ±(1 − 1e-6) before atanh
      // (src/distributions/gaussian.ts); CORL's TanhTransform gives −inf for an action of exactly ±1.
      const actorLoss = bc
        ? mean(sub(scale(logPi, alpha), dist.logProb(a)))
        : frozen([this.critic], () => mean(sub(scale(logPi, alpha), this.critic.min(s, pi))));
      this.actorOpt.zeroGrad();
      backward(actorLoss);

      // 2. Temperature: move the policy's entropy toward H̄ = −|A|.
      let alphaLoss = 0;
      if (c.autoAlpha) {
        const loss = neg(mean(mul(this.logAlpha.value, addScalar(detach(logPi), this.targetEntropy))));
        this.alphaOpt.zeroGrad();
        backward(loss);
        alphaLoss = loss.item();
      }

      // 3. Critics, TD part: regression toward the target critics at a′ ~ π(·|s′).
      const { target, nextQ } = noGrad(() => this.tdTarget(r, s2, notDone, alpha, B));
      const [q1, q2] = this.critic.both(s, a); // [B, 1] each
      const tdLoss = add(mean(square(sub(q1, target))), mean(square(sub(q2, target))));

      // 4. Critics, conservative part: push a soft maximum of Q over 3n sampled actions per
      //    state down and Q on the dataset action up. All 3n·B pairs go through one critic call.
      const { actions: sampled, logDensity } = noGrad(() => this.sampleActions(s, s2, n)); // [3n·B, A], [3n·B, 1]
      const [q1Sampled, q2Sampled] = this.critic.both(gatherRows(s, this.tile3N), sampled); // [3n·B, 1] each
      const density = c.cqlImportanceSample ? logDensity : null;
      const gap1 = conservativeGap(q1Sampled, q1, density, 3 * n, c.cqlTemp, c.cqlClipDiffMin, c.cqlClipDiffMax); // [1, 1]
      const gap2 = conservativeGap(q2Sampled, q2, density, 3 * n, c.cqlTemp, c.cqlClipDiffMin, c.cqlClipDiffMax);
      const gaps = add(gap1, gap2);
      const cqlLoss = c.cqlLagrange ? scale(addScalar(gaps, -2 * c.cqlTargetActionGap), alphaPrime * c.cqlAlpha) : scale(gaps, c.cqlAlpha);
      const criticLoss = add(tdLoss, cqlLoss);
      this.criticOpt.zeroGrad();
      backward(criticLoss);

      // 5. Lagrange variant: α′ ascends on the penalty, growing while the gap exceeds τ_gap
      //    (gradient to log α′ only; the gaps are constants here).
      let alphaPrimeLoss = 0;
      if (c.cqlLagrange) {
        const excess = gaps.item() - 2 * c.cqlTargetActionGap;
        const loss = scale(clamp(exp(this.logAlphaPrime.value), 0, 1e6), -0.5 * c.cqlAlpha * excess);
        this.alphaPrimeOpt.zeroGrad();
        backward(loss);
        this.alphaPrimeOpt.step();
        alphaPrimeLoss = loss.item();
      }

      // 6. Steps, in CORL's order, each from the gradients above; then the target critics.
      if (c.autoAlpha) this.alphaOpt.step();
      this.actorOpt.step();
      this.criticOpt.step();
      if ((this.updates + 1) % c.targetUpdatePeriod === 0) polyakUpdate(this.targetCritic, this.critic, c.tau);

      const nB = n * B;
      return {
        "loss/q": criticLoss.item(),
        "loss/q_td": tdLoss.item(),
        "loss/cql": cqlLoss.item(),
        "loss/actor": actorLoss.item(),
        "loss/alpha": alphaLoss,
        "loss/alpha_prime": alphaPrimeLoss,
        "value/alpha": alpha,
        "value/alpha_prime": alphaPrime,
        "value/entropy": -mean(logPi).item(),
        "value/q_mean": mean(q1).item(),
        "value/target_q_mean": mean(nextQ).item(),
        "cql/gap": 0.5 * gaps.item(),
        "cql/q_rand": blockMean(q1Sampled, 0, nB),
        "cql/q_next": blockMean(q1Sampled, nB, 2 * nB),
        "cql/q_current": blockMean(q1Sampled, 2 * nB, 3 * nB),
        "cql/q_std": noGrad(() => CQL.spread(q1Sampled, q1, 3 * n)),
        "train/bc": bc ? 1 : 0,
      };
    });
    this.updates++;
    return metrics;
  }

  /**
   * r + γ(1 − d)·V̄(s′), V̄(s′) = min Q̄(s′, a′) at a′ ~ π(·|s′) — or, with cqlMaxTargetBackup,
   * the largest of n such values — minus α log π(a′|s′) with backupEntropy. → {target [B,1], nextQ [B,1]}.
   */
  private tdTarget(r: Tensor, s2: Tensor, notDone: Tensor, alpha: number, B: number): { target: Tensor; nextQ: Tensor } {
    const c = this.config;
    let nextQ: Tensor, nextLogPi: Tensor;
    if (c.cqlMaxTargetBackup) {
      const n = c.cqlNActions;
      const s2Tiled = gatherRows(s2, this.tileN); // [n·B, S]
      const next = this.actor.distribution(s2Tiled).rsample(this.rng); // [n·B, A], [n·B, 1]
      const q = foldColumns(this.targetCritic.min(s2Tiled, next.action), n); // [B, n]
      const logPi = foldColumns(next.logProb, n); // [B, n]
      nextQ = Tensor.empty(B, 1);
      nextLogPi = Tensor.empty(B, 1);
      for (let b = 0; b < B; b++) {
        let best = 0;
        for (let j = 1; j < n; j++) if (q.data[b * n + j]! > q.data[b * n + best]!) best = j;
        nextQ.data[b] = q.data[b * n + best]!;
        nextLogPi.data[b] = logPi.data[b * n + best]!;
      }
    } else {
      const next = this.actor.distribution(s2).rsample(this.rng); // [B, A], [B, 1]
      nextQ = this.targetCritic.min(s2, next.action);
      nextLogPi = next.logProb;
    }
    if (c.backupEntropy) nextQ = sub(nextQ, scale(nextLogPi, alpha));
    return { target: add(r, scale(mul(notDone, nextQ), c.discount)), nextQ };
  }

  /**
   * The 3n actions per state of the penalty, in 3n stacked blocks of B states: n uniform in
   * [−1, 1]^|A|, n from π(·|s′), n from π(·|s) (no gradient, as in CORL), with their
   * log-densities under the distribution that drew them. → actions [3n·B, A], logDensity [3n·B, 1].
   */
  private sampleActions(s: Tensor, s2: Tensor, n: number): { actions: Tensor; logDensity: Tensor } {
    const nB = n * s.rows;
    const A = this.actionDim;
    const uniform = randomUniform(nB, A, this.rng, -1, 1); // [n·B, A]
    const fromNext = this.actor.distribution(gatherRows(s2, this.tileN)).rsample(this.rng); // [n·B, A], [n·B, 1]
    const fromCurrent = this.actor.distribution(gatherRows(s, this.tileN)).rsample(this.rng);
    return {
      actions: concatRows([uniform, fromNext.action, fromCurrent.action]), // [3n·B, A]
      logDensity: concatRows([Tensor.full(nB, 1, -A * Math.LN2), fromNext.logProb, fromCurrent.logProb]), // [3n·B, 1]
    };
  }

  /** Mean over states of the sample standard deviation of Q over the k sampled actions and the dataset action (CORL cql_std_q1). */
  private static spread(sampledQ: Tensor, dataQ: Tensor, k: number): number {
    const values = concatCols([foldColumns(sampledQ, k), dataQ]); // [B, k+1]
    const centered = sub(values, mean(values, 1)); // [B, k+1]
    return mean(sqrt(scale(sum(square(centered), 1), 1 / k))).item(); // unbiased: divide by (k + 1) − 1
  }

  act(observations: Float32Array, n: number, deterministic = true): Float32Array {
    return this.actWith(this.actor, observations, n, deterministic);
  }

  logProb(observations: Float32Array, actions: Float32Array, n: number): Float32Array {
    return this.logProbWith(this.actor, observations, actions, n, "cql: no log-probabilities");
  }

  private parts() {
    return {
      modules: {
        critic: this.critic,
        targetCritic: this.targetCritic,
        actor: this.actor,
        logAlpha: this.logAlpha,
        logAlphaPrime: this.logAlphaPrime,
      } as Record<string, Module>,
      optimizers: { critic: this.criticOpt, actor: this.actorOpt, alpha: this.alphaOpt, alphaPrime: this.alphaPrimeOpt },
    };
  }

  state(): AgentState {
    const { modules, optimizers } = this.parts();
    return { tensors: collectTensors(modules, optimizers), meta: this.baseMeta() };
  }

  loadState(state: AgentState, source: StateSource = "cql state"): void {
    const { modules, optimizers } = this.parts();
    restoreTensors(state.tensors, modules, optimizers, source);
    this.loadBaseMeta(state.meta);
  }
}
