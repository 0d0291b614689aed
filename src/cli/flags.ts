/**
 * Flags derived from a config schema (src/util/config.ts): one `--kebab-name <value>` per
 * field, with the field's doc and default in --help, parsed back to the field's type. The
 * schema stays the one place that holds a default.
 */
import { type Command, Option } from "commander";
import { type ConfigOf, type ConfigSchema, kebab, parseValue } from "../util/config.js";
import { parseInteger } from "./errors.js";

/** Adds a flag per field of `schema` to `command`, its default shown in --help. */
export function addSchemaFlags(command: Command, schema: ConfigSchema): Command {
  for (const [name, field] of Object.entries(schema)) {
    const option = new Option(`--${kebab(name)} <${typeof field.default === "number" ? "n" : "value"}>`, field.doc);
    if (field.required) option.makeOptionMandatory();
    else option.default(field.default);
    if (field.choices) option.choices(field.choices.map(String));
    command.addOption(option);
  }
  return command;
}

/** The fields of `schema` from commander's `opts` (given: strings, parsed here; absent: the defaults). */
export function readSchemaFlags<S extends ConfigSchema>(schema: S, opts: Record<string, unknown>): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const text = opts[name];
    const flag = `--${kebab(name)}`;
    if (text === undefined || text === field.default) out[name] = field.default;
    else if (typeof field.default === "number" && field.integer)
      out[name] = parseInteger(flag, String(text), field.min ?? Number.MIN_SAFE_INTEGER);
    else out[name] = parseValue(field, String(text), flag);
  }
  return out as ConfigOf<S>;
}
