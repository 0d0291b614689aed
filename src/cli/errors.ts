/** An error meant for the command line: printed as one line, exit code 1, no stack. */
export class CliError extends Error {
  override name = "CliError";
}

/** Parses an integer flag value, or throws a one-line CliError naming the flag and the value. */
export function parseInteger(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min)
    throw new CliError(`${flag} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}
