/**
 * Sweeps: a grid of offline training runs (dataset × algorithm × seed), run a bounded number
 * at a time as `adept train` worker processes, resumable, with one status view.
 *
 *   spec.ts       the spec file, validated by config schemas, and the grid of runs it names
 *   status.ts     where each run stands, from its directory and the sweep's status file
 *   scheduler.ts  the worker processes: start, resume, skip, stop
 */

export { defaultCli, type StatusStream, Sweep, type SweepOptions, type SweepResult } from "./scheduler.js";
export {
  type AlgorithmCatalog,
  GRID_FIELDS,
  narrowSpec,
  type OverrideValue,
  overridesFor,
  parseSweepSpec,
  readSweepSpec,
  SCHEDULE_FIELDS,
  SpecError,
  type SpecPart,
  SWEEP_RUN_OPTIONS,
  type SweepRun,
  type SweepSpec,
  sweepRuns,
  trainAlgorithms,
} from "./spec.js";
export { formatStatus, inspectRun, type RunState, type RunStatus, statusPath, sweepStatus } from "./status.js";
