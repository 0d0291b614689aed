import type { Module } from "./module.js";

/**
 * Runs `fn` with the modules' parameters frozen (no gradient recorded for them), e.g. the
 * critics inside an actor loss: the graph still flows through them to the actions, but no
 * weight gradients are computed (dense layers fix this at record time, so the backward may
 * run after `fn` returns).
 */
export function frozen<T>(modules: Module[], fn: () => T): T {
  const params = modules.flatMap((m) => m.parameters());
  const previous = params.map((p) => p.requiresGrad);
  for (const p of params) p.requiresGrad = false;
  try {
    return fn();
  } finally {
    params.forEach((p, i) => {
      p.requiresGrad = previous[i]!;
    });
  }
}
