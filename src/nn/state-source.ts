/**
 * Where a state dict being loaded came from, so that a mismatch is blamed on the right side.
 * State read from a file the user gave (`{ file, part }`) that lacks a parameter or holds one
 * of another shape is that file's fault: a one-line `FileError` naming the file and the part.
 * State built in memory (a plain label, e.g. "iql state") should always fit: a mismatch there
 * is a bug in adept, a plain `Error` shown with its stack.
 */
import { FileError } from "../util/errors.js";

export type StateSource = string | { file: string; part?: string };

/** The error for `problem` in state from `source`. */
export function stateError(source: StateSource, problem: string): Error {
  if (typeof source === "string") return new Error(`${source}: ${problem}`);
  return new FileError(source.file, source.part ? `${source.part}: ${problem}` : problem);
}

/** The source of one part of the state (a network, an optimizer) inside `source`. */
export function statePart(source: StateSource, part: string): StateSource {
  if (typeof source === "string") return `${source} (${part})`;
  return { file: source.file, part: source.part ? `${source.part}, ${part}` : part };
}
