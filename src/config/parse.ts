/**
 * Parses a configuration (YAML text or already-parsed data) into a `PipelineConfig`. Every failure is a
 * ConfigError naming the file, with one line per problem (`path: got X; expected Y`). Pure: the caller
 * reads the file.
 */
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";
import type * as Yaml from "yaml";
import { z } from "zod";
import { ConfigError } from "../errors";
import type { PipelineConfig } from "./pipeline-config";
import { PipelineConfigFileSchema, PipelineConfigSchema } from "./schema";

/** At most this many problems are listed; a file with more is usually not a config at all. */
const MAX_PROBLEMS = 20;
/** YAML aliases expand in place: a few nested ones make gigabytes ("billion laughs"). */
const MAX_YAML_ALIASES = 100;

/**
 * Parses YAML text; `file` only labels the messages.
 *
 * Two parsers, one meaning: js-yaml (YAML 1.2 core schema, no custom tags, duplicate keys refused) reads
 * a well-formed file several times faster than yaml (about 20 against 240 ms cold for 500 tables), so it
 * takes the common path; anything it refuses, and any file with aliases of lists or maps, goes through
 * yaml, whose messages point at the line and column and which caps alias expansions.
 */
export function parseConfigText(text: string, file: string): PipelineConfig {
  const fast = quickLoad(text);
  return parseConfig(fast.ok ? fast.data : thoroughLoad(text, file), file);
}

/** js-yaml's reading of a plain file: no aliased collections (a cycle, or a billion laughs once expanded). */
export function quickLoad(text: string): { ok: true; data: unknown } | { ok: false } {
  try {
    const data = loadYaml(text, { schema: CORE_SCHEMA });
    return hasSharedCollections(data) ? { ok: false } : { ok: true, data };
  } catch {
    // Refused, or nested deeper than the stack allows: yaml says where.
    return { ok: false };
  }
}

/** Whether a list or map appears twice in `data`, which only a YAML alias makes. */
function hasSharedCollections(data: unknown, seen = new Set<object>()): boolean {
  if (data === null || typeof data !== "object") return false;
  if (seen.has(data)) return true;
  seen.add(data);
  return Object.values(data).some((value) => hasSharedCollections(value, seen));
}

/** yaml's reading: the file's problems with their positions, and aliases expanded up to a cap. */
export function thoroughLoad(text: string, file: string): unknown {
  // biome-ignore lint/style/noCommonJs: loaded only here, for a file js-yaml refuses or that aliases collections, so a synth of a well-formed file does not pay yaml's module start-up
  const { parseDocument } = require("yaml") as typeof Yaml;
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  // An unknown tag (!!python/name:…, !!js/function) only warns in yaml, and the value silently becomes "".
  const unresolvedTags = document.warnings.filter((w) => w.code === "TAG_RESOLVE_FAILED");
  const problems = [...document.errors, ...unresolvedTags];
  if (problems.length > 0) {
    throw new ConfigError(
      file,
      capped(
        problems.map((e) => {
          const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "YAML";
          return `${where}: ${cap((e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, ""), 200)}`;
        }),
      ),
    );
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError on an alias bomb (and on an alias to nothing).
    const reason = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
    throw new ConfigError(file, [
      `YAML: ${cap(reason ?? "", 200)}; expected a config without nested aliases (at most ${MAX_YAML_ALIASES} expansions)`,
    ]);
  }
}

/** Validates already-parsed data; `file` only labels the messages. */
export function parseConfig(data: unknown, file = "<config>"): PipelineConfig {
  const templates = terraformTemplateProblems(data);
  const result = PipelineConfigSchema.safeParse(data);
  if (result.success && templates.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues.map((issue) => formatIssue(issue, data));
  throw new ConfigError(file, capped([...templates, ...issues]));
}

/**
 * Terraform evaluates `${…}` and `%{…}` in every string of the JSON it is given, so a config string that
 * holds one would run Terraform functions (`${file("/etc/passwd")}` lands in a tag). Refused here, in one
 * place, for every string and key of the file, whatever field it is: no config value needs either sequence.
 */
export function terraformTemplateProblems(data: unknown, path: string[] = []): string[] {
  const at = (p: string[]) => p.join(".") || "(root)";
  const bad = (text: string) => text.includes("${") || text.includes("%{");
  const problem = (p: string[], text: string, what: "value" | "key") =>
    `${at(p)}: got ${what === "key" ? "the key " : ""}${describeValue(text)}; expected a ${what} without "\${" or "%{" (Terraform would evaluate it as a template)`;
  if (typeof data === "string") return bad(data) ? [problem(path, data, "value")] : [];
  if (Array.isArray(data))
    return data.flatMap((item, i) => terraformTemplateProblems(item, [...path, String(i)]));
  if (data !== null && typeof data === "object") {
    return Object.entries(data).flatMap(([key, value]) => [
      ...(bad(key) ? [problem([...path, key], key, "key")] : []),
      ...terraformTemplateProblems(value, [...path, key]),
    ]);
  }
  return [];
}

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`];
}

function cap(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function formatIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const path = issue.path.map(String).join(".") || "(root)";
  const value = valueAt(data, issue.path);
  const got = describeValue(value);
  switch (issue.code) {
    case "custom":
      // Cross-field rules write the whole "got X; expected Y"; single-field refinements only "expected Y".
      return issue.message.startsWith("expected")
        ? `${path}: got ${got}; ${issue.message}`
        : `${path}: ${issue.message}`;
    case "invalid_type":
      return `${path}: got ${got}; expected ${issue.expected}`;
    case "unrecognized_keys":
      return issue.keys
        .map((key) => {
          const allowed = allowedKeysAt(issue.path);
          const hint = allowed.length > 0 ? `one of ${allowed.join(", ")}` : "no other keys";
          return `${path === "(root)" ? key : `${path}.${key}`}: got unknown key; expected ${hint}`;
        })
        .join("\n  ");
    case "invalid_key": {
      // A record's key failed its own checks: show the key, and the first check's message.
      const key = issue.path[issue.path.length - 1];
      const inner = issue.issues[0]?.message ?? issue.message;
      return `${path}: got the key ${describeValue(String(key))}; ${inner.startsWith("expected") ? inner : lowerFirst(inner)}`;
    }
    case "invalid_value":
      return `${path}: got ${got}; expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      if (issue.discriminator && "options" in issue && issue.options) {
        return `${path}: got ${got}; expected one of ${issue.options.map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return `${path}: got ${got}; ${lowerFirst(issue.message)}`;
    case "too_small":
    case "too_big": {
      if (issue.message.startsWith("expected")) return `${path}: got ${got}; ${issue.message}`;
      const small = issue.code === "too_small";
      const limit = small ? issue.minimum : issue.maximum;
      const bound =
        issue.inclusive === false ? (small ? "more than" : "less than") : small ? "at least" : "at most";
      const unit = issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : "";
      return `${path}: got ${got}; expected ${bound} ${limit}${unit}`;
    }
    case "invalid_format":
    case "not_multiple_of":
      // Our own messages on these checks start with "expected"; zod's defaults read well after "got X;".
      return `${path}: got ${got}; ${issue.message.startsWith("expected") ? issue.message : lowerFirst(issue.message)}`;
    default:
      return `${path}: got ${got}; ${lowerFirst(issue.message)}`;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A value as the message shows it: short, on one line, in YAML's words for what JSON cannot say. */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
  }
  if (typeof value === "bigint") return `${value}`;
  if (typeof value === "object")
    return value instanceof Date ? `the date ${value.toISOString()}` : "an object";
  // JSON.stringify escapes control characters, so the value stays on one line.
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
}

/** The keys the object at `path` accepts, read from the file's JSON Schema (the union's, for `state`). */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let nodes = [z.toJSONSchema(PipelineConfigFileSchema, { io: "input" }) as JsonSchemaNode];
  const expand = (n: JsonSchemaNode[]): JsonSchemaNode[] =>
    n.flatMap((node) => [node, ...expand([...(node.oneOf ?? []), ...(node.anyOf ?? [])])]);
  for (const key of path) {
    nodes = expand(nodes).flatMap((node) => {
      const next = typeof key === "number" ? node.items : node.properties?.[String(key)];
      return next ? [next] : [];
    });
  }
  return [...new Set(expand(nodes).flatMap((node) => Object.keys(node.properties ?? {})))];
}
