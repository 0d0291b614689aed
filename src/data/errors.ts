import { UserError } from "../util/errors.js";

/** Where in the user's data a problem was found; every field is optional. */
export interface DataErrorLocation {
  /** The file being read or written. */
  file?: string;
  /** The dataset key inside the file (D4RL name, e.g. `next_observations`) or JSON field. */
  key?: string;
  /** 1-based line number (JSON Lines input). */
  line?: number;
}

/**
 * A problem with user data (a bad file, a missing key, NaN values, …). Its message is one
 * line that names the file, the key and what is wrong, so the CLI can print it as is;
 * h5wasm's own errors never escape the data layer without being turned into one of these.
 */
export class DataError extends UserError {
  override name = "DataError";
  readonly file: string | undefined;
  readonly key: string | undefined;
  readonly line: number | undefined;

  constructor(where: DataErrorLocation, problem: string) {
    super(`${formatLocation(where)}${problem}`);
    this.file = where.file;
    this.key = where.key;
    this.line = where.line;
  }
}

/** `file:line: "key": ` — the prefix of a {@link DataError} message. */
function formatLocation({ file, key, line }: DataErrorLocation): string {
  let prefix = "";
  if (file !== undefined) prefix += line === undefined ? `${file}: ` : `${file}:${line}: `;
  if (key !== undefined) prefix += `"${key}" `;
  return prefix;
}
