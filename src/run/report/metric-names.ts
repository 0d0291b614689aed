/**
 * What each logged metric is, in words, and its unit: the titles and y-axes of the report's
 * panels. Keys follow the agents' and ADEPT's namespaces: `loss/*` and `value/*` from the
 * learner, `wm/*` from the world model's importance-sampled updates, `gap/*` from the
 * return-gap estimates of Theorem 4.4 (src/adept/gap.ts).
 */

export interface MetricName {
  /** The panel's title: the symbol where the paper has one, and what it is. */
  title: string;
  /** The y-axis: the unit, or what is measured. */
  unit: string;
}

const NAMES: Record<string, MetricName> = {
  "loss/q": { title: "critic loss (TD)", unit: "squared TD error" },
  "loss/q_td": { title: "critic TD loss (without the CQL term)", unit: "squared TD error" },
  "loss/cql": { title: "CQL regularizer", unit: "logsumexp Q − Q(s, a)" },
  "loss/value": { title: "value loss (expectile)", unit: "expectile loss" },
  "loss/actor": { title: "actor loss", unit: "loss" },
  "loss/alpha": { title: "temperature loss", unit: "loss" },
  "loss/alpha_prime": { title: "CQL α′ loss", unit: "loss" },
  "loss/diffusion": { title: "world model: diffusion loss", unit: "‖ε − ε_θ‖² / D" },
  "loss/reward": { title: "world model: reward loss", unit: "(r̂ − r)²" },
  "loss/terminal": { title: "world model: terminal loss", unit: "binary cross-entropy" },
  "loss/nll": { title: "ensemble: Gaussian NLL", unit: "nats per dimension" },
  "loss/mse": { title: "ensemble: mean squared error", unit: "z-scored units²" },
  "value/q_mean": { title: "Q estimate (batch mean)", unit: "return" },
  "value/target_q_mean": { title: "target Q (batch mean)", unit: "return" },
  "value/v_mean": { title: "V estimate (batch mean)", unit: "return" },
  "value/adv_mean": { title: "advantage Q − V (batch mean)", unit: "return" },
  "value/exp_adv_mean": { title: "advantage weight exp(β·A) (batch mean)", unit: "weight" },
  "value/alpha": { title: "temperature α", unit: "α" },
  "value/alpha_prime": { title: "CQL weight α′", unit: "α′" },
  "value/entropy": { title: "policy entropy −log π", unit: "nats" },
  "wm/ess": { title: "ESS of the importance weights", unit: "rows (of the batch)" },
  "wm/ess_fraction": { title: "ESS / N of the importance weights", unit: "fraction of the batch" },
  "wm/clipped_fraction": { title: "clipped importance ratios", unit: "fraction at a bound (1/c or c)" },
  "wm/clipped_high_fraction": { title: "ratios clipped from above (π/π_β > c)", unit: "fraction of the batch" },
  "wm/mean_log_ratio": { title: "mean log π − log π_β, before clipping", unit: "nats" },
  "wm/max_share": { title: "the largest importance weight's share", unit: "max w / Σ w" },
  "wm/is_loss": { title: "world model: importance-weighted loss", unit: "weighted ‖ε − ε_θ‖² / D" },
  "gap/eps_m": { title: "ε_m: one-step model error", unit: "‖ŝ′ − s′‖₂, z-scored units" },
  "gap/eps_r": { title: "ε_r: reward error", unit: "|r̂ − r|, reward units" },
  "gap/eps_pi": { title: "ε_π: policy change between iterations", unit: "total variation" },
  "gap/heldout_ess": { title: "ESS of the weights on held-out rows", unit: "rows" },
  "gap/model_return": { title: "H-step return in the model", unit: "return" },
  "gap/real_return": { title: "H-step return in the simulator", unit: "return" },
  "gap/return_gap": { title: "return gap: model − simulator", unit: "return" },
};

/** The words and unit of a metric key; an unknown key keeps its name, its unit unknown. */
export function metricName(key: string): MetricName {
  return NAMES[key] ?? { title: key, unit: "value" };
}

/** The known keys' order (losses, values, world model, gap), then the others alphabetically. */
export function metricOrder(a: string, b: string): number {
  const keys = Object.keys(NAMES);
  const rank = (k: string): number => (keys.includes(k) ? keys.indexOf(k) : keys.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}
