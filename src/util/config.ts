/**
 * Typed configuration schemas: each field has a default and a one-line doc (with the paper
 * symbol and the source of the default). The CLI derives its flags and help from the same
 * schema, and the resolved config is written into run directories and checkpoints.
 */

/** One field: its default and a doc line. Strings may be restricted to `choices`. */
export interface FieldSpec<T extends number | boolean | string = number | boolean | string> {
  default: T;
  doc: string;
  choices?: readonly T[];
}

export type ConfigSchema = Record<string, FieldSpec>;

/** A literal default's general type (`true` → boolean, `0.7` → number, `"cosine"` → string). */
type Widen<T> = T extends boolean ? boolean : T extends number ? number : T extends string ? string : T;

/** The plain config object a schema describes. */
export type ConfigOf<S extends ConfigSchema> = { -readonly [K in keyof S]: Widen<S[K]["default"]> };

/** Identity, for type inference of schema literals. */
export function defineConfig<S extends ConfigSchema>(schema: S): S {
  return schema;
}

/** The defaults of a schema. */
export function defaults<S extends ConfigSchema>(schema: S): ConfigOf<S> {
  return Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, f.default])) as ConfigOf<S>;
}

/**
 * Defaults overridden by `overrides`; values given as strings (from the command line) are
 * parsed to the field's type. Unknown keys and ill-typed values throw, naming the field.
 */
export function resolveConfig<S extends ConfigSchema>(schema: S, overrides: Record<string, unknown> = {}, what = "config"): ConfigOf<S> {
  const out = defaults(schema) as Record<string, unknown>;
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const field = schema[key];
    if (!field) throw new Error(`${what}: unknown field "${key}" (known: ${Object.keys(schema).join(", ")})`);
    out[key] = parseField(field, raw, `${what}.${key}`);
  }
  return out as ConfigOf<S>;
}

function parseField(field: FieldSpec, raw: unknown, where: string): number | boolean | string {
  const type = typeof field.default;
  let value: unknown = raw;
  if (typeof raw === "string" && type === "number") value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (typeof raw === "string" && type === "boolean") {
    if (raw !== "true" && raw !== "false") throw new Error(`${where}: expected true or false, got "${raw}"`);
    value = raw === "true";
  }
  if (typeof value !== type || (type === "number" && !Number.isFinite(value as number)))
    throw new Error(`${where}: expected a ${type}, got ${JSON.stringify(raw)}`);
  if (field.choices && !field.choices.includes(value as never))
    throw new Error(`${where}: expected one of ${field.choices.join(", ")}, got ${JSON.stringify(raw)}`);
  return value as number | boolean | string;
}

/** camelCase → kebab-case, for flag names. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
