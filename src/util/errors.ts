/**
 * Errors caused by the user's input or situation (a bad flag, a busy run directory, a run
 * that diverged), as opposed to bugs: the CLI prints their message as one line and exits 1.
 */
export class UserError extends Error {
  override name = "UserError";
}
