/**
 * Parses a configuration (YAML text or already-parsed data) into a `PipelineConfig`. Every failure is a
 * ConfigError naming the file, with one line per problem (`path: got X; expected Y`). Pure: the caller
 * reads the file.
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import { ConfigError } from "../errors";
import type { PipelineConfig } from "./pipeline-config";
import { PipelineConfigFileSchema, PipelineConfigSchema } from "./schema";

/** Parses YAML text; `file` only labels the messages. */
export function parseConfigText(text: string, file: string): PipelineConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((e) => {
        const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "YAML";
        return `${where}: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`;
      }),
    );
  }
  return parseConfig(document.toJS(), file);
}

/** Validates already-parsed data; `file` only labels the messages. */
export function parseConfig(data: unknown, file = "<config>"): PipelineConfig {
  const result = PipelineConfigSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => formatIssue(issue, data)),
  );
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
    case "invalid_value":
      return `${path}: got ${got}; expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      if (issue.discriminator && "options" in issue && issue.options) {
        return `${path}: got ${got}; expected one of ${issue.options.map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return `${path}: got ${got}; ${lowerFirst(issue.message)}`;
    case "too_small":
    case "too_big":
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

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
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
