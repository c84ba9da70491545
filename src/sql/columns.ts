/**
 * Column definitions of a table the pipeline creates, rendered from parsed values (src/config parses and
 * checks the file): names quoted, types written as PostgreSQL writes them back, defaults as literals or
 * one of a few functions. No text from the file is passed through.
 */
import { assertSafeText, quoteIdent, quoteLiteral } from "./quote";

/** What src/config's ColumnConfig holds; declared here so the sql leaf imports nothing else. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  readonly default?: ColumnDefault | undefined;
}

export interface ColumnType {
  readonly base: string;
  readonly length?: number | undefined;
  readonly precision?: number | undefined;
  readonly scale?: number | undefined;
  readonly arrayDimensions: number;
}

export type ColumnDefault =
  | { readonly kind: "null" }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "empty-array" }
  | { readonly kind: "function"; readonly name: string };

/** Base types and how a modifier is written: after the name, or after its first word (timestamp(3) with...). */
const BASE_TYPES: Record<string, "none" | "length" | "precision-scale" | "seconds"> = {
  smallint: "none",
  integer: "none",
  bigint: "none",
  smallserial: "none",
  serial: "none",
  bigserial: "none",
  boolean: "none",
  text: "none",
  "character varying": "length",
  character: "length",
  numeric: "precision-scale",
  real: "none",
  "double precision": "none",
  date: "none",
  "timestamp without time zone": "seconds",
  "timestamp with time zone": "seconds",
  "time without time zone": "seconds",
  "time with time zone": "seconds",
  interval: "seconds",
  uuid: "none",
  json: "none",
  jsonb: "none",
  bytea: "none",
};

/** SQL of each default function (the config's names). */
const DEFAULT_FUNCTIONS: Record<string, string> = {
  "now()": "now()",
  current_timestamp: "CURRENT_TIMESTAMP",
  current_date: "CURRENT_DATE",
  current_time: "CURRENT_TIME",
  localtimestamp: "LOCALTIMESTAMP",
  "clock_timestamp()": "clock_timestamp()",
  "gen_random_uuid()": "gen_random_uuid()",
};

const int = (n: number | undefined, what: string): string => {
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`${what}: not an integer: ${n}`);
  return String(n);
};

/** `character varying(100)`, `numeric(12,2)`, `timestamp(3) with time zone`, `integer[]`. */
export function renderColumnType(t: ColumnType): string {
  const form = Object.hasOwn(BASE_TYPES, t.base) ? BASE_TYPES[t.base] : undefined;
  if (form === undefined) throw new Error(`unknown column type ${JSON.stringify(t.base)}`);
  let sql = t.base;
  if (form === "length" && t.length !== undefined) sql = `${t.base}(${int(t.length, "length")})`;
  if (form === "precision-scale" && t.precision !== undefined)
    sql = `numeric(${int(t.precision, "precision")}${t.scale !== undefined ? `,${int(t.scale, "scale")}` : ""})`;
  if (form === "seconds" && t.precision !== undefined) {
    const [first, ...rest] = t.base.split(" ");
    sql = [`${first}(${int(t.precision, "precision")})`, ...rest].join(" ");
  }
  return sql + "[]".repeat(Number(int(t.arrayDimensions, "array dimensions")));
}

/** The expression after DEFAULT. */
export function renderDefault(d: ColumnDefault): string {
  switch (d.kind) {
    case "null":
      return "NULL";
    case "boolean":
      return d.value ? "true" : "false";
    case "number": {
      if (!Number.isFinite(d.value)) throw new Error(`default: not a finite number: ${d.value}`);
      const text = String(d.value);
      // A negative constant in parentheses: DEFAULT (-1) reads the same in every context.
      return text.startsWith("-") ? `(${text})` : text;
    }
    case "string":
      return quoteLiteral(d.value);
    case "empty-array":
      return "'{}'";
    case "function": {
      const sql = Object.hasOwn(DEFAULT_FUNCTIONS, d.name) ? DEFAULT_FUNCTIONS[d.name] : undefined;
      if (sql === undefined) throw new Error(`default: unknown function ${JSON.stringify(d.name)}`);
      return sql;
    }
  }
}

/** `"id" serial NOT NULL, "name" character varying(100), PRIMARY KEY ("id")`. */
export function renderColumns(columns: readonly Column[]): string {
  if (columns.length === 0) throw new Error("a table needs at least one column");
  const definitions = columns.map((c) =>
    [
      quoteIdent(assertSafeText(c.name, "column name")),
      renderColumnType(c.type),
      c.nullable ? "" : "NOT NULL",
      c.default !== undefined ? `DEFAULT ${renderDefault(c.default)}` : "",
    ]
      .filter(Boolean)
      .join(" "),
  );
  const key = columns.filter((c) => c.primaryKey).map((c) => quoteIdent(c.name));
  return [...definitions, ...(key.length > 0 ? [`PRIMARY KEY (${key.join(", ")})`] : [])].join(", ");
}
