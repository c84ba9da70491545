import { z } from "zod";
import { addProblem } from "../fields";
import type {
  ColumnBaseType,
  ColumnConfig,
  ColumnDefault,
  ColumnDefaultFunction,
  ColumnType,
} from "../pipeline-config";
import {
  pgColumnName,
  pgPublicationName,
  pgRoleName,
  pgSchemaName,
  pgSlotName,
  pgTableName,
} from "../postgres-names";

// Columns are structured, never SQL text: a `columns` string once carried a newline and psql's `\g` (a
// second statement) or `\!` (a shell command) into the database stack's script. Each part is checked
// here, and the SQL is rendered from the parsed values (src/sql), names quoted and text as literals.

const TYPE_EXAMPLES =
  "expected a PostgreSQL type such as integer, text, varchar(100), numeric(10,2), timestamptz (see docs/config.md)";

/** PostgreSQL's limits: varchar/char length (10485760), numeric precision (1000), fractional seconds (6). */
const MAX_CHAR_LENGTH = 10_485_760;
const MAX_NUMERIC_PRECISION = 1000;
const MAX_SECONDS_PRECISION = 6;
/** PostgreSQL's MaxHeapAttributeNumber. */
const MAX_COLUMNS = 1600;
/** Defaults are short constants; longer text belongs to the application. */
const MAX_DEFAULT_LENGTH = 1000;

const SIMPLE_TYPES: Record<string, ColumnBaseType> = {
  smallint: "smallint",
  int2: "smallint",
  integer: "integer",
  int: "integer",
  int4: "integer",
  bigint: "bigint",
  int8: "bigint",
  smallserial: "smallserial",
  serial2: "smallserial",
  serial: "serial",
  serial4: "serial",
  bigserial: "bigserial",
  serial8: "bigserial",
  boolean: "boolean",
  bool: "boolean",
  text: "text",
  real: "real",
  float4: "real",
  "double precision": "double precision",
  float8: "double precision",
  float: "double precision",
  date: "date",
  uuid: "uuid",
  json: "json",
  jsonb: "jsonb",
  bytea: "bytea",
};

const SERIALS: readonly ColumnBaseType[] = ["smallserial", "serial", "bigserial"];
const INTEGER_RANGES: Partial<Record<ColumnBaseType, [number, number]>> = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Parses a type as the file writes it (`varchar(100)`, `timestamptz`, `numeric(12, 2)`, `text[]`): a
 * `ColumnType`, or the "expected ..." problem. Only the grammar below is accepted; the SQL is rendered
 * from the result, so the text itself goes nowhere.
 */
export function parseColumnType(text: string): ColumnType | string {
  if (text.length > 64) return TYPE_EXAMPLES;
  const normalized = text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/ ?([(,[\]]) ?/g, "$1")
    .replace(/ ?\)/g, ")");
  const arrays = /^(.*?)((?:\[\])*)$/.exec(normalized);
  const scalar = arrays?.[1] ?? "";
  const arrayDimensions = (arrays?.[2]?.length ?? 0) / 2;
  const parsed = parseScalarType(scalar);
  if (typeof parsed === "string") return parsed;
  if (arrayDimensions > 0 && SERIALS.includes(parsed.base))
    return `expected a serial type without [] (PostgreSQL has no arrays of serial)`;
  return { ...parsed, arrayDimensions };
}

function parseScalarType(s: string): Omit<ColumnType, "arrayDimensions"> | string {
  // Own keys only: "constructor" or "toString" is no type.
  const simple = Object.hasOwn(SIMPLE_TYPES, s) ? SIMPLE_TYPES[s] : undefined;
  if (simple) return { base: simple };
  const n = (digits: string | undefined) => (digits === undefined ? undefined : Number(digits));
  let m = /^(varchar|character varying|char|character)(?:\((\d{1,9})\))?$/.exec(s);
  if (m) {
    const varying = m[1] === "varchar" || m[1] === "character varying";
    const length = n(m[2]) ?? (varying ? undefined : 1);
    if (length !== undefined && (length < 1 || length > MAX_CHAR_LENGTH))
      return `expected ${varying ? "varchar" : "char"}(n) with n from 1 to ${MAX_CHAR_LENGTH}`;
    return { base: varying ? "character varying" : "character", length };
  }
  m = /^(numeric|decimal)(?:\((\d{1,4})(?:,(\d{1,4}))?\))?$/.exec(s);
  if (m) {
    const precision = n(m[2]);
    const scale = n(m[3]);
    if (precision !== undefined && (precision < 1 || precision > MAX_NUMERIC_PRECISION))
      return `expected numeric(p,s) with p from 1 to ${MAX_NUMERIC_PRECISION}`;
    if (precision !== undefined && scale !== undefined && scale > precision)
      return `expected numeric(p,s) with s from 0 to p`;
    return { base: "numeric", precision, ...(scale !== undefined ? { scale } : {}) };
  }
  m = /^(timestamp|time)(?:\((\d{1,2})\))?(?: (with|without) time zone)?$/.exec(s);
  const seconds = (precision: number | undefined, what: string) =>
    precision !== undefined && precision > MAX_SECONDS_PRECISION
      ? `expected ${what}(p) with p from 0 to ${MAX_SECONDS_PRECISION}`
      : undefined;
  if (m) {
    const precision = n(m[2]);
    const problem = seconds(precision, m[1] as string);
    if (problem) return problem;
    const zone = m[3] === "with" ? "with time zone" : "without time zone";
    return { base: `${m[1]} ${zone}` as ColumnBaseType, precision };
  }
  m = /^(timestamptz|timetz)(?:\((\d{1,2})\))?$/.exec(s);
  if (m) {
    const precision = n(m[2]);
    const problem = seconds(precision, m[1] as string);
    if (problem) return problem;
    const base = m[1] === "timestamptz" ? "timestamp with time zone" : "time with time zone";
    return { base, precision };
  }
  m = /^interval(?:\((\d{1,2})\))?$/.exec(s);
  if (m) {
    const precision = n(m[1]);
    return seconds(precision, "interval") ?? { base: "interval", precision };
  }
  return TYPE_EXAMPLES;
}

/**
 * Characters no config text may carry into SQL: control characters (newline, carriage return, NUL...),
 * backslashes (psql's meta-commands, and escapes in E'' strings), Unicode line and paragraph separators,
 * zero-width and bidirectional formatting characters (text that reads differently than it runs).
 */
const UNSAFE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  /[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** The problem with `text` as SQL text, if any. */
export function unsafeTextProblem(text: string): string | undefined {
  const bad = UNSAFE_TEXT.exec(text)?.[0];
  if (bad === undefined) return undefined;
  const code = `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return `expected text without control characters, backslashes or line separators (found ${bad === "\\" ? "a backslash" : code})`;
}

const DEFAULT_FUNCTIONS: Record<ColumnDefaultFunction, readonly ColumnBaseType[]> = {
  "now()": ["timestamp with time zone", "timestamp without time zone", "date"],
  current_timestamp: ["timestamp with time zone", "timestamp without time zone", "date"],
  localtimestamp: ["timestamp without time zone", "timestamp with time zone", "date"],
  "clock_timestamp()": ["timestamp with time zone", "timestamp without time zone"],
  current_date: ["date", "timestamp without time zone", "timestamp with time zone"],
  current_time: ["time with time zone", "time without time zone"],
  "gen_random_uuid()": ["uuid"],
};

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const TIME = String.raw`\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?`;
const ZONE = String.raw`(Z|[+-]\d{2}(:?\d{2})?)`;
const INTERVAL_PART = String.raw`-?\d+ (years?|mons?|months?|weeks?|days?|hours?|mins?|minutes?|secs?|seconds?)`;
const TEXT_FORMS: Partial<Record<ColumnBaseType, [RegExp, string]>> = {
  uuid: [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "a UUID"],
  date: [new RegExp(`^(${DATE}|infinity|-infinity)$`), "a date such as 2024-01-31"],
  "timestamp without time zone": [
    new RegExp(`^(${DATE}[ T]${TIME}|infinity|-infinity)$`),
    "a timestamp such as 2024-01-31 12:00:00",
  ],
  "timestamp with time zone": [
    new RegExp(`^(${DATE}[ T]${TIME}${ZONE}?|infinity|-infinity)$`),
    "a timestamp such as 2024-01-31 12:00:00+00",
  ],
  "time without time zone": [new RegExp(`^${TIME}$`), "a time such as 12:00:00"],
  "time with time zone": [new RegExp(`^${TIME}${ZONE}?$`), "a time such as 12:00:00+00"],
  interval: [
    new RegExp(`^(${INTERVAL_PART}( ${INTERVAL_PART})*|-?${TIME})$`),
    "an interval such as 1 day or 00:05:00",
  ],
  numeric: [/^-?\d{1,1000}(\.\d{1,1000})?$/, "a decimal number such as 12.50"],
};

const isSerial = (t: ColumnType) => t.arrayDimensions === 0 && SERIALS.includes(t.base);

/** The column's default, checked against its type, or the "expected ..." problem. */
export function parseColumnDefault(
  value: unknown,
  type: ColumnType,
  notNull: boolean,
): ColumnDefault | string {
  if (isSerial(type))
    return "expected no default: a serial column's default is the next value of its sequence";
  if (value === null)
    return notNull
      ? "expected a value other than null: the column is NOT NULL (a primary key, or nullable: false)"
      : { kind: "null" };
  if (type.arrayDimensions > 0) {
    return Array.isArray(value) && value.length === 0
      ? { kind: "empty-array" }
      : "expected null or [] (an empty array) as the default of an array column";
  }
  if (typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const name = (value as { function?: unknown }).function;
    const allowed = Object.keys(DEFAULT_FUNCTIONS);
    if (keys.length !== 1 || typeof name !== "string" || !allowed.includes(name))
      return `expected { function: F } with F one of ${allowed.join(", ")}`;
    const types = DEFAULT_FUNCTIONS[name as ColumnDefaultFunction];
    if (!types.includes(type.base)) return `expected a function returning ${type.base}, not ${name}`;
    return { kind: "function", name: name as ColumnDefaultFunction };
  }
  if (typeof value === "boolean") {
    return type.base === "boolean" ? { kind: "boolean", value } : `expected a default of type ${type.base}`;
  }
  if (typeof value === "number") return numberDefault(value, type);
  if (typeof value === "string") return textDefault(value, type);
  return "expected a default such as 0, true, null, a string, [] or { function: now() } (see docs/config.md)";
}

function numberDefault(value: number, type: ColumnType): ColumnDefault | string {
  if (!Number.isFinite(value)) return "expected a finite number";
  const range = INTEGER_RANGES[type.base];
  if (range) {
    if (!Number.isInteger(value) || value < range[0] || value > range[1])
      return `expected an integer from ${range[0]} to ${range[1]} (${type.base})`;
    return { kind: "number", value };
  }
  if (type.base === "numeric") {
    const problem = numericProblem(String(value), type);
    return problem ?? { kind: "number", value };
  }
  if (type.base === "real" || type.base === "double precision") return { kind: "number", value };
  return `expected a default of type ${type.base}, not a number`;
}

/** Digits before the point must fit numeric(p,s): at most p - s of them. */
function numericProblem(text: string, type: ColumnType): string | undefined {
  if (type.precision === undefined || /e/i.test(text)) return undefined;
  const integerDigits = (text.replace(/^-/, "").split(".")[0] ?? "").replace(/^0+/, "").length;
  const allowed = type.precision - (type.scale ?? 0);
  return integerDigits > allowed
    ? `expected at most ${allowed} digits before the decimal point (numeric(${type.precision},${type.scale ?? 0}))`
    : undefined;
}

function textDefault(value: string, type: ColumnType): ColumnDefault | string {
  const unsafe = unsafeTextProblem(value);
  if (unsafe) return unsafe;
  const characters = [...value].length;
  if (characters > MAX_DEFAULT_LENGTH)
    return `expected a default of at most ${MAX_DEFAULT_LENGTH} characters`;
  const text = { kind: "string", value } as const;
  switch (type.base) {
    case "text":
      return text;
    case "character varying":
    case "character": {
      const max = type.length;
      return max !== undefined && characters > max
        ? `expected at most ${max} characters (${type.base}(${max}))`
        : text;
    }
    case "json":
    case "jsonb":
      try {
        JSON.parse(value);
        return text;
      } catch {
        return `expected JSON text for a ${type.base} column`;
      }
    default: {
      const form = TEXT_FORMS[type.base];
      if (!form) return `expected a default of type ${type.base}, not a string`;
      if (!form[0].test(value)) return `expected ${form[1]}`;
      return (type.base === "numeric" && numericProblem(value, type)) || text;
    }
  }
}

const ColumnSchema = z
  .strictObject({
    name: pgColumnName().describe("Column name. Required."),
    type: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseColumnType(text);
        if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed, input: text });
      })
      .describe(
        "PostgreSQL type: smallint, integer, bigint, smallserial, serial, bigserial, boolean, text, " +
          "varchar(n), char(n), numeric(p,s), real, double precision, date, timestamp(p), timestamptz(p), " +
          "time(p), timetz(p), interval(p), uuid, json, jsonb, bytea (the (p) and (n) optional), or an " +
          "array of one of these (text[]). Aliases such as int, int8, bool, float8, decimal are accepted; in a " +
          'YAML { ... } list, quote a type with a comma: "numeric(12,2)". Required.',
      ),
    nullable: z
      .boolean()
      .optional()
      .describe(
        "Whether the column may be null. Default: true; false for primary-key and serial columns (PostgreSQL " +
          "makes them NOT NULL).",
      ),
    primaryKey: z
      .boolean()
      .default(false)
      .describe("Part of the primary key; several columns make a composite key (PRIMARY KEY (a, b))."),
    default: z
      .unknown()
      .optional()
      .meta({
        description:
          "DEFAULT value: a number, true/false, null, a string (a quoted literal, e.g. a date '2024-01-31' " +
          "for a date column; no backslashes or control characters), [] for an array, or { function: F } " +
          "with F one of now(), current_timestamp, current_date, current_time, localtimestamp, " +
          "clock_timestamp(), gen_random_uuid(). Checked against the type. Default: none (serial columns " +
          "use their sequence).",
        anyOf: [
          { type: "number" },
          { type: "boolean" },
          { type: "null" },
          { type: "string", maxLength: MAX_DEFAULT_LENGTH },
          { type: "array", maxItems: 0 },
          {
            type: "object",
            properties: {
              function: {
                description: "A function whose result is the default.",
                enum: Object.keys(DEFAULT_FUNCTIONS),
              },
            },
            required: ["function"],
            additionalProperties: false,
          },
        ],
      }),
  })
  .superRefine((column, ctx) => {
    const type = parseColumnType(column.type);
    if (typeof type === "string") return;
    if (column.primaryKey && column.nullable === true)
      addProblem(
        ctx,
        ["nullable"],
        "got true for a primary-key column; expected false or nothing (a primary key is NOT NULL)",
      );
    if (isSerial(type) && column.nullable === true)
      addProblem(
        ctx,
        ["nullable"],
        `got true for a ${type.base} column; expected false or nothing (PostgreSQL makes serial columns NOT NULL)`,
      );
    if (column.primaryKey && type.base === "json")
      addProblem(
        ctx,
        ["primaryKey"],
        "got true for a json column; expected jsonb, which has the equality a primary key needs",
      );
    if (column.default !== undefined) {
      const parsed = parseColumnDefault(column.default, type, column.primaryKey || column.nullable === false);
      if (typeof parsed === "string")
        addProblem(ctx, ["default"], `got ${describe(column.default)}; ${parsed}`);
    }
  })
  .transform((column): ColumnConfig => {
    const type = parseColumnType(column.type) as ColumnType;
    const nullable = !column.primaryKey && !isSerial(type) && (column.nullable ?? true);
    const parsed =
      column.default === undefined
        ? undefined
        : (parseColumnDefault(column.default, type, !nullable) as ColumnDefault);
    return {
      name: column.name,
      type,
      nullable,
      primaryKey: column.primaryKey,
      ...(parsed !== undefined ? { default: parsed } : {}),
    };
  })
  .describe("A column of a table the pipeline creates.");

/** A value as a message shows it: JSON, shortened. */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const CapturedTableSchema = z
  .strictObject({
    schema: pgSchemaName().default("public").describe("Schema of the table."),
    table: pgTableName().describe("Table name. Required."),
    replicaIdentity: z
      .enum(["full", "default"])
      .default("full")
      .describe(
        "REPLICA IDENTITY: full puts the whole old row (before-image) in UPDATE and DELETE events; default " +
          "only the primary key (allowed for tables with one, with a warning).",
      ),
    columns: z
      .array(ColumnSchema)
      .min(1, "expected at least one column")
      .max(MAX_COLUMNS, `expected at most ${MAX_COLUMNS} columns (PostgreSQL's limit)`)
      .optional()
      .describe(
        "The table's columns, e.g. [{ name: id, type: serial, primaryKey: true }, { name: name, type: " +
          "varchar(100) }]: the database stack creates the table with them when it is missing. Omit for " +
          "tables the application owns: they must exist, and are never dropped or recreated, only their " +
          "replica identity is set. Default: none (table must exist).",
      ),
  })
  .superRefine((t, ctx) => {
    t.columns?.forEach((c, i) => {
      if (t.columns?.findIndex((o) => o.name === c.name) !== i)
        addProblem(ctx, ["columns", i, "name"], `got "${c.name}" twice; expected each column once`);
    });
  })
  .describe("A table whose changes are captured.");

export const CaptureSchema = z
  .strictObject({
    tables: z
      .array(CapturedTableSchema)
      .min(1, "expected at least one table to capture")
      .describe("Tables to capture (schema.table). Required."),
    topicPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,100}$/, "expected letters, digits, '_' and '-' (a Kafka topic name part)")
      .optional()
      .describe(
        "Debezium topic.prefix: change events of table s.t go to topic <topicPrefix>.s.t, which the S3 sink " +
          "reads. Prefixes of two sources never nest. Default: <project>-<environment> (managed source), " +
          "<project>-<environment>-<name> (sources[]).",
      ),
    cdcRoleName: pgRoleName()
      .optional()
      .describe(
        "Login role Debezium connects as: member of rds_replication, USAGE and SELECT on the captured " +
          "schemas, nothing else. Default: <project>_<environment>_cdc, <project>_<environment>_<name>_cdc for " +
          "sources[] (hyphens become underscores).",
      ),
    cdcPasswordVersion: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        "Bump to rotate the CDC role's password: a new one is generated at apply and written, write-only, to " +
          "its Secrets Manager secret; the role receives only its SCRAM verifier, computed where Terraform runs.",
      ),
    publicationName: pgPublicationName()
      .optional()
      .describe(
        "Publication limited to the captured tables. Default: <project>_<environment>_publication " +
          "(<project>_<environment>_<name>_publication for sources[]).",
      ),
    slotName: pgSlotName()
      .optional()
      .describe(
        "Logical replication slot (pgoutput) Debezium reads: Debezium creates it on first start, and destroying " +
          "the connectors stack drops it, so no slot outlives its reader. Default: <project>_<environment>_slot " +
          "(<project>_<environment>_<name>_slot for sources[]).",
      ),
    heartbeatSchema: pgSchemaName()
      .default("cdc")
      .describe(
        "Schema of Debezium's heartbeat table (debezium_heartbeat), which the CDC role may update and the " +
          "publication includes, so the slot advances while the captured tables are quiet; and of the pipeline's " +
          "canary table (cdc_lake_canary), captured like a table and written only by npm run verify. Must not " +
          "be a captured schema.",
      ),
    tableOwner: pgRoleName()
      .optional()
      .describe(
        "Role that creates the captured schemas' tables; its future tables become readable by the CDC role " +
          "(default privileges). Default: the admin login (database.masterUsername, sources[].adminUsername).",
      ),
  })
  .superRefine((capture, ctx) => {
    // schema and table are PostgreSQL names (no NUL): NUL joins them unambiguously. A set, not a search
    // per table: configs hold hundreds.
    const seen = new Set<string>();
    capture.tables.forEach((t, i) => {
      const key = `${t.schema}\u0000${t.table}`;
      if (seen.has(key)) {
        addProblem(ctx, ["tables", i], `got ${t.schema}.${t.table} twice; expected each table once`);
      }
      seen.add(key);
      if (
        t.replicaIdentity === "default" &&
        t.columns !== undefined &&
        !t.columns.some((c) => c.primaryKey)
      ) {
        addProblem(
          ctx,
          ["tables", i, "replicaIdentity"],
          `got "default" for ${t.schema}.${t.table}, which has no primary key; expected "full" (without a key, PostgreSQL refuses to publish its UPDATEs and DELETEs)`,
        );
      }
    });
    if (capture.tables.some((t) => t.schema === capture.heartbeatSchema)) {
      addProblem(
        ctx,
        ["heartbeatSchema"],
        `got "${capture.heartbeatSchema}", a captured schema; expected a schema of its own for the heartbeat table (default: cdc)`,
      );
    }
  })
  .describe("What the pipeline captures.");
