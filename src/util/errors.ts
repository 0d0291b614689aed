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
