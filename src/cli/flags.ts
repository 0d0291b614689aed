/**
 * Flags derived from a config schema (src/util/config.ts): one `--kebab-name <value>` per
 * field, with the field's doc and default in --help, parsed back to the field's type. The
 * schema stays the one place that holds a default.
 *
 * A boolean field is a switch: `--name` turns it on, `--no-name` off, and the older
 * `--name true|false` still works (the value is optional).
 */
import { type Command, Option } from "commander";
import { type ConfigOf, type ConfigSchema, type FieldSpec, kebab, parseValue } from "../util/config.js";
import { parseInteger } from "./errors.js";

/**
 * The commander options of one field: `--x <n>` / `--x <value>`, or for a boolean the pair
 * `--x [bool]` and `--no-x` (the second hidden from --help: the first's text names it).
 * `withDefault` false registers the flag without a default (absent stays undefined), for
 * fields whose default depends on something else, such as the algorithm.
 */
export function fieldOptions(name: string, field: FieldSpec, withDefault = true, doc = field.doc): Option[] {
  const flag = `--${kebab(name)}`;
  if (typeof field.default === "boolean") {
    const on = new Option(`${flag} [bool]`, `${doc} (${flag} / --no-${kebab(name)})`);
    const off = new Option(`--no-${kebab(name)}`, `turn ${flag} off`).hideHelp();
    if (withDefault) on.default(field.default);
    return [on, off];
  }
  const option = new Option(`${flag} <${typeof field.default === "number" ? "n" : "value"}>`, doc);
  if (field.required) option.makeOptionMandatory();
  else if (withDefault) option.default(field.default);
  if (field.choices) option.choices(field.choices.map(String));
  return [option];
}

/** Adds a flag per field of `schema` to `command`, its default shown in --help. */
export function addSchemaFlags(command: Command, schema: ConfigSchema): Command {
  for (const [name, field] of Object.entries(schema)) for (const option of fieldOptions(name, field)) command.addOption(option);
  return command;
}

/**
 * One flag's value as the schema's parser takes it: a switch given bare is `true`, a
 * `--no-x` is `false`, anything else the text typed.
 */
export function flagValue(value: unknown): unknown {
  return typeof value === "boolean" ? value : value === undefined ? undefined : String(value);
}

/** The fields of `schema` from commander's `opts` (given: strings, parsed here; absent: the defaults). */
export function readSchemaFlags<S extends ConfigSchema>(schema: S, opts: Record<string, unknown>): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = flagValue(opts[name]);
    const flag = `--${kebab(name)}`;
    if (value === undefined || value === field.default) out[name] = field.default;
    else if (typeof field.default === "number" && field.integer)
      out[name] = parseInteger(flag, String(value), field.min ?? Number.MIN_SAFE_INTEGER);
    else out[name] = parseValue(field, value, flag);
  }
  return out as ConfigOf<S>;
}
