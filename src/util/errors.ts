/**
 * The one line between "you gave me something wrong" and "adept has a bug".
 *
 * A {@link UserError} is a problem with the user's input — a bad file, flag, spec, name or
 * directory — whose message alone says what to fix: it names the file, key, flag or value
 * at fault, on one line. The CLI prints it as `adept: <message>` and exits with status 1,
 * without a stack (src/cli/main.ts, the only place that decides). Every other error is a
 * bug in adept and is shown with its stack. Modules throw a subclass where callers may want
 * to tell errors apart (`DataError`, `SpecError`, `UnknownEnvError`, `ConfigError`,
 * `CliError`), or `UserError` itself.
 */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * A file the user gave that cannot be read as what it should be: missing, truncated, of
 * another kind, with a bad header, or holding tensors shaped unlike the model that reads
 * them. The message starts with the file's path. (Datasets have the richer `DataError`,
 * which also names the key and line.)
 */
export class FileError extends UserError {
  override name = "FileError";

  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * The error to throw when reading `file` failed in the file system: a missing file, a
 * directory, or one the user may not read is the user's {@link FileError}, one line naming it;
 * anything else (out of descriptors, an I/O error) is returned as it is — not the user's fault.
 */
export function fileSystemError(error: unknown, file: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return new FileError(file, "no such file");
  if (code === "EISDIR") return new FileError(file, "a directory, not a file");
  if (code === "EACCES" || code === "EPERM") return new FileError(file, `cannot be read (${code})`);
  return error as Error;
}
