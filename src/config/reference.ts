/**
 * Renders the config reference (docs/config.md) from the schema itself, so the documentation of
 * every field, its type and its default cannot drift from what is validated.
 */
import type { z } from "zod";
import { PipelineConfigFileSchema } from "./schema";

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

type Def = {
  type: string;
  innerType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  valueType?: z.core.$ZodType;
};

const def = (schema: z.core.$ZodType) => schema._zod.def as unknown as Def;
const describe = (schema: z.core.$ZodType) =>
  (schema as unknown as { description?: string }).description ?? "";

function unwrap(schema: z.core.$ZodType): { inner: z.core.$ZodType; optional: boolean; description: string } {
  let current = schema;
  let optional = false;
  let description = describe(schema);
  for (;;) {
    const d = def(current);
    if (d.type === "optional" || d.type === "default") optional = true;
    if (!d.innerType) break;
    current = d.innerType;
    description ||= describe(current);
  }
  return { inner: current, optional, description };
}

function typeName(schema: z.core.$ZodType): string {
  const d = def(schema);
  switch (d.type) {
    case "array":
      return `list of ${typeName(unwrap(d.element as z.core.$ZodType).inner)}`;
    case "enum":
      return Object.values(d.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(" \\| ");
    case "literal":
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(" \\| ");
    case "record":
      return "map of string";
    case "union":
      return "one of the forms below";
    default:
      return d.type;
  }
}

function rows(schema: z.core.$ZodType, prefix: string, out: Row[]): void {
  const d = def(schema);
  if (d.type === "object") {
    for (const [key, field] of Object.entries(d.shape ?? {})) {
      const { inner, optional, description } = unwrap(field);
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, type: typeName(inner), required: !optional, description });
      const innerDef = def(inner);
      if (innerDef.type === "array")
        rows(unwrap(innerDef.element as z.core.$ZodType).inner, `${path}[]`, out);
      else rows(inner, path, out);
    }
  } else if (d.type === "union") {
    for (const option of d.options ?? []) rows(option, prefix, out);
  }
}

export function renderConfigReference(): string {
  const out: Row[] = [];
  rows(PipelineConfigFileSchema, "", out);
  const seen = new Set<string>();
  const lines = out
    .filter((r) => {
      const key = `${r.path}|${r.description}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(
      (r) =>
        `| \`${r.path}\` | ${r.type} | ${r.required ? "yes" : "no"} | ${r.description.replaceAll("|", "\\|")} |`,
    );
  return [
    "# Configuration reference",
    "",
    "<!-- Generated from src/config/schema.ts by `npm run docs`; a test fails when it is out of date. -->",
    "",
    "A pipeline is one YAML file, chosen with `PIPELINE_CONFIG` (default `config/demo.yaml`). Unknown keys are",
    "errors. Defaults are the secure choice; a demo relaxes them explicitly (see `config/demo.yaml`).",
    "",
    "| field | type | required | description and default |",
    "| --- | --- | --- | --- |",
    ...lines,
    "",
  ].join("\n");
}
