/**
 * The config file's JSON Schema (config/pipeline.schema.json, for editors) and the config reference
 * (docs/config.md), both generated from the zod schema by `npm run docs`.
 *
 * The JSON Schema is zod's own conversion of `PipelineConfigFileSchema` as *input* (fields with a default
 * are optional, and their `default` is stated), draft-07 because the YAML language server (VS Code's Red
 * Hat YAML extension) validates draft-07 fully and newer drafts only in part. The reference is rendered
 * from that JSON Schema, a public format, rather than from zod's internals.
 */
import { z } from "zod";
import { PipelineConfigFileSchema } from "../../src/config/schema";

/** Where `npm run docs` writes the JSON Schema; config files name it on their first line. */
export const CONFIG_SCHEMA_FILE = "config/pipeline.schema.json";

/** The subset of JSON Schema that zod emits and this module reads. */
export interface JsonSchema {
  $schema?: string;
  $comment?: string;
  $ref?: string;
  description?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
  [keyword: string]: unknown;
}

/**
 * Keywords in the order they are written: what a field is first (description, type, values, default),
 * then its constraints, then its children. Keywords not listed follow, in zod's order.
 */
const KEYWORD_ORDER = [
  "$schema",
  "$id",
  "$comment",
  "$ref",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "default",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "items",
  "prefixItems",
  "contains",
  "minProperties",
  "maxProperties",
  "propertyNames",
  "properties",
  "patternProperties",
  "required",
  "additionalProperties",
  "not",
  "if",
  "then",
  "else",
  "allOf",
  "anyOf",
  "oneOf",
  "definitions",
  "$defs",
];
/** Keywords whose value is one schema, a list of schemas, or a map of name to schema. */
const SCHEMA_KEYWORDS = new Set([
  "items",
  "additionalProperties",
  "propertyNames",
  "contains",
  "not",
  "if",
  "then",
  "else",
]);
const SCHEMA_LIST_KEYWORDS = new Set(["allOf", "anyOf", "oneOf", "prefixItems", "items"]);
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "definitions", "$defs"]);

/** `schema` with its keywords in KEYWORD_ORDER at every level; property order (the file's order) is kept. */
function ordered(schema: JsonSchema): JsonSchema {
  const rank = (key: string) => {
    const i = KEYWORD_ORDER.indexOf(key);
    return i < 0 ? KEYWORD_ORDER.length : i;
  };
  const keys = Object.keys(schema).sort((a, b) => rank(a) - rank(b));
  const out: JsonSchema = {};
  for (const key of keys) {
    const value = schema[key];
    if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map(ordered);
    else if (SCHEMA_KEYWORDS.has(key) && typeof value === "object" && value !== null)
      out[key] = ordered(value as JsonSchema);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && typeof value === "object" && value !== null)
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, s]) => [name, ordered(s)]),
      );
    else out[key] = value;
  }
  return out;
}

/** The config file's JSON Schema (draft-07), generated from `PipelineConfigFileSchema`. */
export function configJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(PipelineConfigFileSchema, {
    target: "draft-07",
    io: "input",
    // A type JSON Schema cannot express must fail `npm run docs`, not become an `{}` that accepts anything.
    unrepresentable: "throw",
  }) as JsonSchema;
  return ordered({
    ...generated,
    $comment:
      "Generated from src/config/schema.ts by `npm run docs`; do not edit. Cross-field rules (subnets inside " +
      "the VPC, broker count per AZ...) are checked at synth only.",
  });
}

const WIDTH = 110;
const INDENT = "  ";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const breaks = (v: unknown): boolean =>
  (isPlainObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.some(breaks));

/**
 * JSON as biome formats it (2 spaces, line width 110): non-empty objects one key per line; an array
 * without objects on one line when it fits, else numbers filled up to the width and anything else one per
 * line. So `biome check` accepts the generated file as written.
 */
export function formatJson(value: unknown): string {
  return `${print(value, "", "", 0)}\n`;
}

/** `value` printed at `indent`, after `prefix` on its first line, with `suffix` characters after it. */
function print(value: unknown, indent: string, prefix: string, suffix: number): string {
  const inner = indent + INDENT;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `${indent}${prefix}{}`;
    const lines = entries.map(
      ([k, v], i) => `${print(v, inner, `${JSON.stringify(k)}: `, i < entries.length - 1 ? 1 : 0)}`,
    );
    return `${indent}${prefix}{\n${lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l)).join("\n")}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}${prefix}[]`;
    if (!breaks(value)) {
      const flat = `[${value.map((v) => flatJson(v)).join(", ")}]`;
      if ([...indent, ...prefix, ...flat].length + suffix <= WIDTH) return `${indent}${prefix}${flat}`;
    }
    if (value.every((v) => typeof v === "number")) {
      const rows: string[] = [];
      let row = "";
      for (const [i, v] of value.entries()) {
        const item = `${JSON.stringify(v)}${i < value.length - 1 ? "," : ""}`;
        if (row && inner.length + row.length + 1 + item.length > WIDTH) {
          rows.push(row);
          row = item;
        } else row = row ? `${row} ${item}` : item;
      }
      rows.push(row);
      return `${indent}${prefix}[\n${rows.map((r) => inner + r).join("\n")}\n${indent}]`;
    }
    const lines = value.map((v, i) => print(v, inner, "", i < value.length - 1 ? 1 : 0));
    return `${indent}${prefix}[\n${lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l)).join("\n")}\n${indent}]`;
  }
  return `${indent}${prefix}${JSON.stringify(value)}`;
}

/** A value on one line, as biome writes a short array: `[1, 2]`, `{"a": 1}`. */
function flatJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flatJson).join(", ")}]`;
  if (isPlainObject(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${flatJson(v)}`)
      .join(", ")}}`;
  return JSON.stringify(value);
}

/** config/pipeline.schema.json's content. */
export function renderConfigJsonSchema(schema: JsonSchema = configJsonSchema()): string {
  return formatJson(schema);
}

/** One field of the reference: one row of docs/config.md. */
export interface ReferenceRow {
  /** Dotted path, `[]` for the elements of a list: `capture.tables[].schema`. */
  readonly path: string;
  readonly type: string;
  /** Required in the file: no default, not optional. */
  readonly required: boolean;
  /** The JSON Schema's `default`, if any. */
  readonly default?: unknown;
  readonly description: string;
}

/** Follows a local `$ref` (`#/definitions/X`, `#/$defs/X`); zod emits them only for schemas with an id. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    const ref = current.$ref;
    const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
    const target = match
      ? root[match[1] as "definitions" | "$defs"]?.[decodeURIComponent(match[2] ?? "")]
      : undefined;
    if (!target || hops > 20) throw new Error(`config JSON Schema: cannot resolve $ref ${ref}`);
    const { $ref: _, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

const variants = (schema: JsonSchema) => schema.oneOf ?? schema.anyOf;
const isObjectSchema = (schema: JsonSchema) => schema.type === "object" || schema.properties !== undefined;

/** The property every variant fixes to a different `const`: `backend` for the state union. */
function discriminator(options: JsonSchema[], root: JsonSchema): string | undefined {
  const first = resolve(options[0] ?? {}, root);
  return Object.keys(first.properties ?? {}).find((key) =>
    options.every((o) => resolve(o, root).properties?.[key]?.const !== undefined),
  );
}

function typeName(raw: JsonSchema, root: JsonSchema): string {
  const schema = resolve(raw, root);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const options = variants(schema);
  if (options) {
    if (options.every((o) => isObjectSchema(resolve(o, root)))) {
      const key = discriminator(options, root);
      return key
        ? `one of the forms below, by ${key}: ${options.map((o) => JSON.stringify(resolve(o, root).properties?.[key]?.const)).join(" | ")}`
        : "one of the forms below";
    }
    return options.map((o) => typeName(o, root)).join(" | ");
  }
  if (schema.type === "array") {
    const items = Array.isArray(schema.items) ? undefined : schema.items;
    return items ? `list of ${typeName(items, root)}` : "list";
  }
  if (isObjectSchema(schema)) {
    if (!schema.properties && typeof schema.additionalProperties === "object")
      return `map of ${typeName(schema.additionalProperties, root)}`;
    return "object";
  }
  return Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
}

/** The rows of `schema`'s fields under `prefix`, then of their own fields, depth first. */
function collect(raw: JsonSchema, prefix: string, root: JsonSchema, out: ReferenceRow[]): void {
  const schema = resolve(raw, root);
  const options = variants(schema);
  if (options) {
    for (const option of options) collect(option, prefix, root, out);
    return;
  }
  if (schema.type === "array" && schema.items && !Array.isArray(schema.items)) {
    collect(schema.items, `${prefix}[]`, root, out);
    return;
  }
  for (const [key, rawField] of Object.entries(schema.properties ?? {})) {
    const field = resolve(rawField, root);
    const path = prefix ? `${prefix}.${key}` : key;
    out.push({
      path,
      type: typeName(field, root),
      required: (schema.required ?? []).includes(key) && field.default === undefined,
      ...(field.default !== undefined ? { default: field.default } : {}),
      description: field.description ?? "",
    });
    collect(field, path, root, out);
  }
}

/** Every field of the config file, in the schema's order; the variants of a union follow one another. */
export function configReferenceRows(schema: JsonSchema = configJsonSchema()): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  collect(schema, "", schema, out);
  return out;
}

/**
 * Table cell text: `|` escaped; `<` too outside code spans, or GitHub would take `<project>` for an HTML
 * tag and drop it (inside a code span an entity would show as written).
 */
const cell = (text: string) =>
  text
    .split("`")
    .map((part, i) => (i % 2 === 0 ? part.replaceAll("<", "&lt;") : part))
    .join("`")
    .replaceAll("|", "\\|");
/** Inline code in a table cell; a value holding backticks gets a longer fence. */
const code = (text: string) =>
  (text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``).replaceAll("|", "\\|");

export function renderConfigReference(schema: JsonSchema = configJsonSchema()): string {
  const rows = configReferenceRows(schema).map(
    (r) =>
      `| ${code(r.path)} | ${cell(r.type)} | ${r.required ? "yes" : "no"} | ${
        r.default === undefined ? "" : code(flatJson(r.default))
      } | ${cell(r.description)} |`,
  );
  return [
    "# Configuration reference",
    "",
    `<!-- Generated from src/config/schema.ts (through ${CONFIG_SCHEMA_FILE}) by \`npm run docs\`; a test fails when it is out of date. -->`,
    "",
    "A pipeline is one YAML file, chosen with `PIPELINE_CONFIG` (default `config/demo.yaml`). Unknown keys are",
    "errors. Defaults are the secure choice; a demo relaxes them explicitly (see `config/demo.yaml`).",
    "",
    `Editors complete and check config files against [\`${CONFIG_SCHEMA_FILE}\`](../${CONFIG_SCHEMA_FILE}), the`,
    "same schema as JSON Schema: each file's first line names it for the YAML language server (VS Code's Red",
    "Hat YAML extension). Start a new file with `# yaml-language-server: $schema=<path to that file>`.",
    "",
    "Required fields must be set; every other field has a default, stated in the default column or, when",
    "it is derived from other fields, in its description (`Default: …`). Of a form (`state`), only the",
    "fields of the chosen `backend` apply.",
    "",
    "| field | type | required | default | description |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
