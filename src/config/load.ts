/**
 * Reads, parses and validates the configuration file. Every failure becomes a ConfigError whose message
 * names the file and gives one line per problem (`path: got X; expected Y`), for main.ts to print.
 */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors";
import { type PipelineConfig, PipelineConfigFileSchema, PipelineConfigSchema } from "./schema";

/** Environment variable that selects the config file. */
export const CONFIG_ENV_VAR = "PIPELINE_CONFIG";
export const DEFAULT_CONFIG_FILE = "config/demo.yaml";

export function configFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONFIG_ENV_VAR]?.trim() || DEFAULT_CONFIG_FILE;
}

export function loadConfigFile(file: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : String(error);
    throw new ConfigError(file, [
      `file ${reason}; expected a YAML config file (set ${CONFIG_ENV_VAR}, default ${DEFAULT_CONFIG_FILE})`,
    ]);
  }
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

/** Walks the file schema to the object at `path`, to list the keys it accepts. */
function schemaAt(path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  let current: z.core.$ZodType | undefined = PipelineConfigFileSchema;
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType => {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) return unwrap(def.innerType);
    if (def.type === "pipe" && def.in) return unwrap(def.in);
    return s;
  };
  for (const key of path) {
    if (!current) return undefined;
    const def = unwrap(current)._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
    };
    current =
      def.type === "object" ? def.shape?.[String(key)] : def.type === "array" ? def.element : undefined;
  }
  return current ? unwrap(current) : undefined;
}

function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  const def = schema?._zod.def as { type: string; shape?: object; options?: z.core.$ZodType[] } | undefined;
  if (def?.type === "object" && def.shape) return Object.keys(def.shape);
  if (def?.type === "union" && def.options) {
    const keys = def.options.flatMap((o) => Object.keys((o._zod.def as { shape?: object }).shape ?? {}));
    return [...new Set(keys)];
  }
  return [];
}
