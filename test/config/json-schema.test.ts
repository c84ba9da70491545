import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  CONFIG_SCHEMA_FILE,
  configJsonSchema,
  type JsonSchema,
  renderConfigJsonSchema,
} from "../../scripts/lib/config-reference";
import { PipelineConfigFileSchema } from "../../src/config/schema";

const schema = configJsonSchema();

/** Every YAML file under config/, examples included. */
function configFiles(dir = "config"): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return configFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** `$ref`s resolved against the root: zod emits them only for schemas registered with an id. */
function resolve(s: JsonSchema): JsonSchema {
  if (!s.$ref) return s;
  const name = s.$ref.replace(/^#\/(definitions|\$defs)\//, "");
  const target = schema.definitions?.[name] ?? schema.$defs?.[name];
  if (!target) throw new Error(`unresolved ${s.$ref}`);
  return resolve(target);
}

const typeOf = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;

/**
 * A small JSON Schema validator for the keywords zod emits here (no ajv in this project): types, const,
 * enum, string, number and array bounds, properties, required, additionalProperties, items, oneOf, anyOf.
 * Returns one `path: problem` per violation.
 */
function validate(raw: JsonSchema, value: unknown, path = "(root)"): string[] {
  const s = resolve(raw);
  const errors: string[] = [];
  const fail = (problem: string) => errors.push(`${path}: ${problem}`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number")))
      fail(`expected ${types.join(" or ")}, got ${actual}`);
  }
  if (s.const !== undefined && value !== s.const) fail(`expected ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.includes(value)) fail(`expected one of ${JSON.stringify(s.enum)}`);
  if (typeof value === "string") {
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value))
      fail(`pattern ${s.pattern}`);
    if (typeof s.minLength === "number" && value.length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && value.length > s.maxLength) fail(`longer than ${s.maxLength}`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) fail(`below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) fail(`above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) fail("too small");
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) fail("too large");
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    const items = s.items;
    if (items && !Array.isArray(items))
      value.forEach((item, i) => {
        errors.push(...validate(items, item, `${path}[${i}]`));
      });
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) fail(`missing required ${key}`);
    for (const [key, v] of Object.entries(object)) {
      const child = s.properties?.[key];
      if (child) errors.push(...validate(child, v, `${path}.${key}`));
      else if (s.additionalProperties === false) fail(`unknown key ${key} (additionalProperties: false)`);
      else if (typeof s.additionalProperties === "object")
        errors.push(...validate(s.additionalProperties, v, `${path}.${key}`));
    }
  }
  if (s.oneOf) {
    const passing = s.oneOf.filter((o) => validate(o, value, path).length === 0).length;
    if (passing !== 1) fail(`matches ${passing} of the oneOf forms, expected exactly 1`);
  }
  if (s.anyOf && !s.anyOf.some((o) => validate(o, value, path).length === 0)) fail("matches no anyOf form");
  return errors;
}

/** The JSON Schema at a key path of a document (following union forms and list items), if any. */
function keysMissingFromSchema(raw: JsonSchema, value: unknown, path: string): string[] {
  const s = resolve(raw);
  const forms = s.oneOf ?? s.anyOf;
  if (forms) {
    const candidates = forms.map((f) => keysMissingFromSchema(f, value, path));
    return candidates.reduce((best, c) => (c.length < best.length ? c : best));
  }
  if (Array.isArray(value) && s.items && !Array.isArray(s.items)) {
    const items = s.items;
    return value.flatMap((v, i) => keysMissingFromSchema(items, v, `${path}[${i}]`));
  }
  if (typeOf(value) !== "object" || !s.properties) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
    const child = s.properties?.[key];
    return child ? keysMissingFromSchema(child, v, `${path}.${key}`) : [`${path}.${key}`];
  });
}

describe(CONFIG_SCHEMA_FILE, () => {
  it("is up to date with the zod schema (npm run docs)", () => {
    expect(readFileSync(CONFIG_SCHEMA_FILE, "utf8")).toBe(renderConfigJsonSchema(schema));
  });

  it("is written as biome formats it (npm run lint passes on it)", () => {
    const text = readFileSync(CONFIG_SCHEMA_FILE, "utf8");
    const biome = join("node_modules", ".bin", process.platform === "win32" ? "biome.cmd" : "biome");
    const formatted = execFileSync(biome, ["format", `--stdin-file-path=${CONFIG_SCHEMA_FILE}`], {
      input: text,
      encoding: "utf8",
    });
    expect(formatted).toBe(text);
  });

  it("is a draft-07 schema that refuses unknown keys, as the YAML language server reads it", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
  });

  it("is named on the first line of every config file and example", () => {
    const files = configFiles();
    expect(files).toEqual(expect.arrayContaining(["config/demo.yaml", "config/production.yaml"]));
    expect(files.some((f) => f.startsWith("config/examples/"))).toBe(true);
    for (const file of files) {
      const first = readFileSync(file, "utf8").split("\n")[0] ?? "";
      const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(match, `${file} starts with a yaml-language-server line`).not.toBeNull();
      // Relative to the YAML file, as the language server resolves it.
      const target = join(dirname(file), match?.[1] ?? "");
      expect(existsSync(target), `${file} names ${target}`).toBe(true);
      expect(relative(".", target)).toBe(CONFIG_SCHEMA_FILE);
    }
  });

  it("describes every section and every field", () => {
    const undescribed: string[] = [];
    const walk = (raw: JsonSchema, path: string) => {
      const s = resolve(raw);
      for (const form of s.oneOf ?? s.anyOf ?? []) walk(form, path);
      if (s.items && !Array.isArray(s.items)) walk(s.items, `${path}[]`);
      for (const [key, child] of Object.entries(s.properties ?? {})) {
        const field = resolve(child);
        const p = path ? `${path}.${key}` : key;
        if (!field.description?.trim()) undescribed.push(p);
        walk(field, p);
      }
    };
    walk(schema, "");
    expect(undescribed).toEqual([]);
    const sections = Object.keys(PipelineConfigFileSchema.shape);
    expect(Object.keys(schema.properties ?? {})).toEqual(sections);
    for (const section of sections) expect(schema.properties?.[section]?.description).toMatch(/\S/);
  });

  describe.each(configFiles())("%s", (file) => {
    const document = parse(readFileSync(file, "utf8")) as unknown;

    it("is accepted by the zod schema and validates against the JSON Schema", () => {
      expect(PipelineConfigFileSchema.safeParse(document).success).toBe(true);
      expect(validate(schema, document)).toEqual([]);
    });

    it("uses only keys the JSON Schema has at their path", () => {
      expect(keysMissingFromSchema(schema, document, "(root)")).toEqual([]);
    });

    it("is refused with an unknown key, at the top and inside a section", () => {
      const withTopLevel = { ...(document as object), databse: {} };
      expect(validate(schema, withTopLevel)).toContain(
        "(root): unknown key databse (additionalProperties: false)",
      );
      const d = document as { database: Record<string, unknown> };
      const withNested = { ...d, database: { ...d.database, instanceClas: "db.t3.micro" } };
      expect(validate(schema, withNested)).toContain(
        "(root).database: unknown key instanceClas (additionalProperties: false)",
      );
    });
  });

  it("refuses what the zod schema refuses in the file's shape: a wrong type, a missing required key", () => {
    const demo = parse(readFileSync("config/demo.yaml", "utf8")) as Record<string, unknown>;
    expect(validate(schema, { ...demo, region: 42 })).toEqual([
      "(root).region: expected string, got integer",
    ]);
    const { project: _, ...withoutProject } = demo;
    expect(validate(schema, withoutProject)).toEqual(["(root): missing required project"]);
    expect(validate(schema, { ...demo, state: { backend: "gcs" } })).not.toEqual([]);
  });
});
