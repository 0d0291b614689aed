import { UserError } from "../util/errors.js";

/** A bad flag or argument on the command line: printed as one line, exit code 1, no stack (see main.ts). */
export class CliError extends UserError {
  override name = "CliError";
}

/** Parses an integer flag value, or throws a one-line CliError naming the flag and the value. */
export function parseInteger(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min)
    throw new CliError(`${flag} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ""}, got "${text}"`);
  return value;
}

/** Parses a finite number flag value, or throws a one-line CliError naming the flag and the value. */
export function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new CliError(`${flag} must be a number, got "${text}"`);
  return value;
}
