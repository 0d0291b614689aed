/**
 * The three updates bench:core times, written like ../shared/bench/torch_ref.py's with
 * exactly its shapes (obs 17, act 6, batch 256, 2×256 ReLU MLPs; DDPM denoiser 3×256 with
 * a 16-wide sinusoidal embedding), and their FLOPs (matrix products only).
 */
import { DiagGaussian, TanhGaussian } from "../src/distributions/gaussian.js";
import { MLP } from "../src/nn/layers.js";
import { parameter } from "../src/nn/module.js";
import { Adam, polyakUpdate } from "../src/nn/optim.js";
import {
  add,
  clamp,
  concatCols,
  exp,
  mean,
  minimum,
  mul,
  neg,
  randomNormal,
  scale,
  sliceCols,
  square,
  sub,
  tanh,
} from "../src/tensor/ops.js";
import { backward, detach, noGrad, scope, Tensor } from "../src/tensor/tensor.js";
import { Rng } from "../src/util/rng.js";

export const UPDATES = ["iql", "sac", "ddpm"] as const;
export type UpdateName = (typeof UPDATES)[number];

const S = 17,
  A = 6,
  H = 256,
  B = 256;
const rng = new Rng(0);
const mlp = (i: number, o: number, n = 2): MLP => new MLP(i, o, { hidden: Array(n).fill(H) }, rng);
const randn = (r: number, c: number): Tensor => {
  const t = new Tensor(r, c);
  rng.fillNormal(t.data);
  return t;
};
const s = randn(B, S),
  s2 = randn(B, S),
  r = randn(B, 1),
  notDone = Tensor.full(B, 1, 1);
const a = new Tensor(B, A);
rng.fillUniform(a.data, -1, 1);
const sa = concatCols([s, a]);

function mse(x: Tensor, y: Tensor): Tensor {
  return mean(square(sub(x, y)));
}

// ---- IQL (expectile 0.7, β 3, τ 0.005) ----------------------------------------------
const q1 = mlp(S + A, 1),
  q2 = mlp(S + A, 1),
  v = mlp(S, 1),
  pi = mlp(S, A);
const piLogStd = parameter(1, A);
const tq1 = mlp(S + A, 1),
  tq2 = mlp(S + A, 1);
tq1.copyFrom(q1);
tq2.copyFrom(q2);
const oq = new Adam([...q1.parameters(), ...q2.parameters()]),
  ov = new Adam(v.parameters());
const op = new Adam([...pi.parameters(), piLogStd]);
const expectileWeight = new Tensor(B, 1);

export function iqlUpdate(): void {
  scope(() => {
    const tq = noGrad(() => minimum(tq1.forward(sa), tq2.forward(sa))); // [B,1]
    const adv = sub(tq, v.forward(s)); // [B,1]
    for (let i = 0; i < B; i++) expectileWeight.data[i] = adv.data[i]! < 0 ? 0.3 : 0.7;
    const lv = mean(mul(expectileWeight, square(adv)));
    ov.zeroGrad();
    backward(lv);
    ov.step();
    const target = noGrad(() => add(r, scale(mul(notDone, v.forward(s2)), 0.99)));
    const lq = add(mse(q1.forward(sa), target), mse(q2.forward(sa), target));
    oq.zeroGrad();
    backward(lq);
    oq.step();
    polyakUpdate(tq1, q1, 0.005);
    polyakUpdate(tq2, q2, 0.005);
    const ew = clamp(exp(scale(detach(adv), 3)), -Infinity, 100);
    const lp = neg(mean(mul(ew, new DiagGaussian(tanh(pi.forward(s)), piLogStd).logProb(a))));
    op.zeroGrad();
    backward(lp);
    op.step();
  });
}

// ---- SAC (tanh-Gaussian actor, twin Q, learned α) -------------------------------------
const sq1 = mlp(S + A, 1),
  sq2 = mlp(S + A, 1),
  actor = mlp(S, 2 * A);
const tsq1 = mlp(S + A, 1),
  tsq2 = mlp(S + A, 1);
tsq1.copyFrom(sq1);
tsq2.copyFrom(sq2);
const logAlpha = parameter(1, 1);
const osq = new Adam([...sq1.parameters(), ...sq2.parameters()]),
  oa = new Adam(actor.parameters()),
  oal = new Adam([logAlpha]);

function policy(x: Tensor): { action: Tensor; logProb: Tensor } {
  const out = actor.forward(x); // [B, 2A]
  return new TanhGaussian(sliceCols(out, 0, A), clamp(sliceCols(out, A, 2 * A), -5, 2)).rsample(rng);
}

export function sacUpdate(): void {
  scope(() => {
    const alpha = Math.exp(logAlpha.data[0]!);
    const target = noGrad(() => {
      const { action: a2, logProb: lp2 } = policy(s2);
      const sa2 = concatCols([s2, a2]);
      const soft = sub(minimum(tsq1.forward(sa2), tsq2.forward(sa2)), scale(lp2, alpha));
      return add(r, scale(mul(notDone, soft), 0.99));
    });
    const lq = add(mse(sq1.forward(sa), target), mse(sq2.forward(sa), target));
    osq.zeroGrad();
    backward(lq);
    osq.step();
    const { action, logProb } = policy(s);
    const san = concatCols([s, action]);
    const la = mean(sub(scale(logProb, alpha), minimum(sq1.forward(san), sq2.forward(san))));
    oa.zeroGrad();
    backward(la);
    oa.step();
    const lal = neg(mean(mul(logAlpha, add(detach(logProb), Tensor.scalar(-A)))));
    oal.zeroGrad();
    backward(lal);
    oal.step();
    polyakUpdate(tsq1, sq1, 0.005);
    polyakUpdate(tsq2, sq2, 0.005);
  });
}

// ---- DDPM denoiser step: ε(x_k, k, cond=(s,a)), 3×256, sinusoidal embedding (16) ---------
const den = mlp(S + 16 + S + A, S, 3);
const od = new Adam(den.parameters());
const emb = new Tensor(B, 16),
  keep = new Tensor(B, 1);

export function ddpmStep(): void {
  scope(() => {
    for (let i = 0; i < B; i++) {
      const k = rng.int(10);
      for (let f = 0; f < 8; f++) {
        emb.data[i * 16 + f] = Math.sin(k * Math.exp(-f));
        emb.data[i * 16 + 8 + f] = Math.cos(k * Math.exp(-f));
      }
      keep.data[i] = rng.uniform() > 0.1 ? 1 : 0;
    }
    const noise = randomNormal(B, S, rng);
    const xk = add(scale(s2, 0.7), scale(noise, 0.7));
    const cond = mul(sa, keep);
    const loss = mse(den.forward(concatCols([xk, emb, cond])), noise);
    od.zeroGrad();
    backward(loss);
    od.step();
  });
}

export const UPDATE_FNS: Record<UpdateName, () => void> = { iql: iqlUpdate, sac: sacUpdate, ddpm: ddpmStep };

/** Everything an IQL update changes (weights, targets, optimizer moments), for bench/drift.ts. */
export const IQL_STATE = {
  modules: { q1, q2, v, pi, tq1, tq2 },
  logStd: piLogStd,
  batch: { s, a, r, s2 },
  params: [q1, q2, v, pi, tq1, tq2].flatMap((m) => m.parameters()).concat(piLogStd),
  optimizers: [oq, ov, op],
  learned: [q1, q2, v, pi].flatMap((m) => m.parameters()).concat(piLogStd),
};

/** FLOPs of one dense layer's forward (2·B·in·out); backward is twice that (once when the input needs no gradient). */
const dense = (i: number, o: number): number => 2 * B * i * o;
const mlpFlops = (dims: number[]): number => dims.slice(1).reduce((f, d, i) => f + dense(dims[i]!, d), 0);
const q = mlpFlops([S + A, H, H, 1]),
  vf = mlpFlops([S, H, H, 1]),
  pf = mlpFlops([S, H, H, A]),
  af = mlpFlops([S, H, H, 2 * A]);
const firstQ = dense(S + A, H),
  firstV = dense(S, H),
  firstA = dense(S, H); // no input gradient at the first layer
/** Matrix-product FLOPs per update. */
export const FLOPS: Record<UpdateName, number> = {
  iql: 2 * q + (3 * vf - firstV) + vf + 2 * (3 * q - firstQ) + (3 * pf - firstA),
  sac: af + 2 * q + 2 * (3 * q - firstQ) + (3 * af - firstA) + 2 * 3 * q,
  ddpm: 3 * mlpFlops([S + 16 + S + A, H, H, H, S]) - dense(S + 16 + S + A, H),
};
