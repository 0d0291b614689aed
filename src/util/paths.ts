/**
 * Names that become paths. Run, dataset and world-model names are often derived from user
 * input (a dataset file's base name, a sweep's algorithm list); a name such as `..` or
 * `a/../../b` would put files outside the folder meant to hold them. {@link childPath} is the
 * one check every such join goes through.
 */
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { UserError } from "./errors.js";

/**
 * `parent/name`, after checking that `name` (one or more `/`-separated segments) stays inside
 * `parent`: no empty, `.` or `..` segment, no absolute path, no backslash. `what` names the
 * input in the error ("run name", "dataset name").
 */
export function childPath(parent: string, name: string, what: string): string {
  const segments = name.split("/");
  const bad = segments.find((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0"));
  if (isAbsolute(name) || bad !== undefined)
    throw new UserError(
      `${what} "${name}" would leave its folder ${parent} (a name must not be empty, ".", ".." or contain them as a path part)`,
    );
  const path = join(parent, ...segments);
  const rel = relative(resolve(parent), resolve(path));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.split(sep).includes(".."))
    throw new UserError(`${what} "${name}" would leave its folder ${parent}`);
  return path;
}
