/**
 * How a PostgreSQL column reaches the lake and how the lake reads it back: what Debezium 2.3 writes into the
 * JSON line with this project's settings (src/kafka-connect/debezium-settings.ts: decimal.handling.mode=string,
 * interval.handling.mode=string; time.precision.mode and binary.handling.mode left at their defaults, adaptive
 * and bytes; JsonConverter), the Glue column type that reads it, and the type the views show.
 *
 * Sources: Debezium 2.3 PostgresValueConverter.schemaBuilder and JdbcValueConverters.schemaBuilder (adaptive:
 * timestamp(0..3) → io.debezium.time.Timestamp, timestamp(4..6) and timestamp → MicroTimestamp; date →
 * io.debezium.time.Date; time likewise Time/MicroTime); Kafka's JsonConverter.convertToJson (BYTES → a Jackson
 * binary node, written as base64);
 * @see https://debezium.io/documentation/reference/2.3/connectors/postgresql.html#postgresql-data-types
 */
import type { ColumnType } from "./columns";

/** A column type of the Glue table, in the Hive JSON SerDe's terms. */
export type StoredType =
  | { readonly kind: "scalar"; readonly name: StoredScalar }
  | { readonly kind: "array"; readonly element: StoredType }
  /** map<string,string>: a row whose columns are not known. */
  | { readonly kind: "map" }
  | {
      readonly kind: "struct";
      readonly fields: readonly { readonly name: string; readonly type: StoredType }[];
    };

export type StoredScalar = "boolean" | "smallint" | "int" | "bigint" | "float" | "double" | "string";

/** A column type of a view (Athena's names; DuckDB accepts the same words except for arrays). */
export type ViewType =
  | { readonly kind: "scalar"; readonly name: ViewScalar }
  | { readonly kind: "array"; readonly element: ViewType }
  | { readonly kind: "map" };

export type ViewScalar =
  | "boolean"
  | "smallint"
  | "integer"
  | "bigint"
  | "real"
  | "double"
  | "varchar"
  | "date"
  | "timestamp(3)"
  | "timestamp(6)";

/** What a view does to the stored value before casting it to the view type: cheap, and exact. */
export type Conversion =
  | "none"
  | "epoch-millis-to-timestamp"
  | "epoch-micros-to-timestamp"
  | "epoch-days-to-date";

/** One row of the mapping table. */
export interface LakeTypeMapping {
  /** The Kafka Connect schema Debezium gives the column: a primitive, or a semantic type's name. */
  readonly debezium: string;
  /** How the JsonConverter writes the value into the line. */
  readonly json: string;
  readonly stored: StoredScalar;
  readonly conversion: Conversion;
  readonly view: ViewScalar;
}

const plain = (debezium: string, json: string, stored: StoredScalar, view: ViewScalar): LakeTypeMapping => ({
  debezium,
  json,
  stored,
  conversion: "none",
  view,
});

/** Types whose Debezium form depends on the fractional-seconds precision (adaptive mode): ≤ 3 digits, or more. */
interface ByPrecision {
  readonly millis: LakeTypeMapping;
  readonly micros: LakeTypeMapping;
}

/**
 * THE mapping, one entry per base type the config may name (src/config/pipeline-config.ts ColumnBaseType).
 * Time zones: a timestamp without time zone is written as if it were UTC, so the view's timestamp shows the
 * stored wall-clock value; timestamptz is an ISO-8601 string in UTC, left as text (its precision and zone
 * handling differ between engines).
 */
export const DEBEZIUM_JSON_TYPES: Readonly<Record<string, LakeTypeMapping | ByPrecision>> = {
  smallint: plain("int16", "number", "smallint", "smallint"),
  smallserial: plain("int16", "number", "smallint", "smallint"),
  integer: plain("int32", "number", "int", "integer"),
  serial: plain("int32", "number", "int", "integer"),
  bigint: plain("int64", "number", "bigint", "bigint"),
  bigserial: plain("int64", "number", "bigint", "bigint"),
  boolean: plain("boolean", "true/false", "boolean", "boolean"),
  text: plain("string", "string", "string", "varchar"),
  "character varying": plain("string", "string", "string", "varchar"),
  character: plain("string (bpchar)", "string, blank-padded to the length", "string", "varchar"),
  // decimal.handling.mode=string: BigDecimal.toPlainString, scale kept ("12.30"); NaN stays "NaN", which a
  // cast to decimal would fail on, so the view keeps the exact text.
  numeric: plain("string (decimal.handling.mode=string)", 'string, e.g. "12.30"', "string", "varchar"),
  real: plain("float32", "number", "float", "real"),
  "double precision": plain("float64", "number", "double", "double"),
  date: {
    debezium: "io.debezium.time.Date (int32)",
    json: "number: days since 1970-01-01",
    stored: "int",
    conversion: "epoch-days-to-date",
    view: "date",
  },
  "timestamp without time zone": {
    millis: {
      debezium: "io.debezium.time.Timestamp (int64)",
      json: "number: milliseconds since 1970-01-01T00:00",
      stored: "bigint",
      conversion: "epoch-millis-to-timestamp",
      view: "timestamp(3)",
    },
    micros: {
      debezium: "io.debezium.time.MicroTimestamp (int64)",
      json: "number: microseconds since 1970-01-01T00:00",
      stored: "bigint",
      conversion: "epoch-micros-to-timestamp",
      view: "timestamp(6)",
    },
  },
  "timestamp with time zone": plain(
    "io.debezium.time.ZonedTimestamp (string)",
    'string, ISO-8601 in UTC, e.g. "2024-03-01T10:00:00.123456Z"',
    "string",
    "varchar",
  ),
  // Kept as numbers: a time-of-day type is not portable between the two engines for free.
  "time without time zone": {
    millis: plain("io.debezium.time.Time (int32)", "number: milliseconds since midnight", "int", "integer"),
    micros: plain(
      "io.debezium.time.MicroTime (int64)",
      "number: microseconds since midnight",
      "bigint",
      "bigint",
    ),
  },
  "time with time zone": plain(
    "io.debezium.time.ZonedTime (string)",
    'string, ISO-8601 in UTC, e.g. "10:00:00.123456Z"',
    "string",
    "varchar",
  ),
  interval: plain(
    "io.debezium.time.Interval (string; interval.handling.mode=string)",
    'string, ISO-8601 duration, e.g. "P1DT2H"',
    "string",
    "varchar",
  ),
  uuid: plain("io.debezium.data.Uuid (string)", "string", "string", "varchar"),
  json: plain("io.debezium.data.Json (string)", "string: the document's text", "string", "varchar"),
  jsonb: plain("io.debezium.data.Json (string)", "string: the document's text", "string", "varchar"),
  bytea: plain(
    "bytes (binary.handling.mode=bytes)",
    "string: base64 (JsonConverter's binary node)",
    "string",
    "varchar",
  ),
};

/**
 * Array element types Debezium 2.3 does not write: PostgresValueConverter.schemaBuilder returns no schema for
 * interval[], and TableSchemaBuilder leaves such a column out of the event.
 */
const UNWRITTEN_ARRAYS = new Set(["interval"]);

const VIEW_OF_STORED: Record<StoredScalar, ViewScalar> = {
  boolean: "boolean",
  smallint: "smallint",
  int: "integer",
  bigint: "bigint",
  float: "real",
  double: "double",
  string: "varchar",
};

/** How one column is stored and shown; undefined when Debezium writes no such field. */
export interface LakeColumnType {
  readonly mapping: LakeTypeMapping;
  readonly stored: StoredType;
  readonly conversion: Conversion;
  readonly view: ViewType;
}

/** The mapping of one column type (arrays: of the element; views show array elements unconverted). */
export function lakeColumnType(type: ColumnType): LakeColumnType | undefined {
  const entry = Object.hasOwn(DEBEZIUM_JSON_TYPES, type.base) ? DEBEZIUM_JSON_TYPES[type.base] : undefined;
  if (entry === undefined)
    throw new Error(
      `column type got ${JSON.stringify(type.base)}; expected one of ${Object.keys(DEBEZIUM_JSON_TYPES).join(", ")}`,
    );
  // PostgreSQL's default fractional precision is 6: without a modifier, the micros form.
  const mapping =
    "millis" in entry
      ? type.precision !== undefined && type.precision <= 3
        ? entry.millis
        : entry.micros
      : entry;
  if (type.arrayDimensions === 0)
    return {
      mapping,
      stored: { kind: "scalar", name: mapping.stored },
      conversion: mapping.conversion,
      view: { kind: "scalar", name: mapping.view },
    };
  if (UNWRITTEN_ARRAYS.has(type.base)) return undefined;
  // One array level whatever the declared dimensions: PostgreSQL gives int[] and int[][] the same type, and
  // Debezium's schema is a one-level array of the element (schemaBuilder above).
  return {
    mapping,
    stored: { kind: "array", element: { kind: "scalar", name: mapping.stored } },
    conversion: "none",
    view: { kind: "array", element: { kind: "scalar", name: VIEW_OF_STORED[mapping.stored] } },
  };
}

/** Struct field names a Hive type string can carry unquoted (and what Glue keeps: it lowercases names). */
const HIVE_FIELD = /^[a-z_][a-z0-9_]*$/;

export function assertHiveFieldName(name: string): string {
  if (!HIVE_FIELD.test(name))
    throw new Error(
      `lake column name got ${JSON.stringify(name)}; expected lowercase letters, digits and _, not starting ` +
        "with a digit (a Glue struct type names its fields unquoted, and Glue lowercases them): rename the column",
    );
  return name;
}

/** `struct<lsn:bigint,ts_ms:bigint>`: the Glue (Hive) type string. */
export function hiveType(t: StoredType): string {
  switch (t.kind) {
    case "scalar":
      return t.name;
    case "array":
      return `array<${hiveType(t.element)}>`;
    case "map":
      return "map<string,string>";
    case "struct":
      return `struct<${t.fields.map((f) => `${assertHiveFieldName(f.name)}:${hiveType(f.type)}`).join(",")}>`;
  }
}

const DUCKDB_STORED: Record<StoredScalar, string> = {
  boolean: "BOOLEAN",
  smallint: "SMALLINT",
  int: "INTEGER",
  bigint: "BIGINT",
  float: "FLOAT",
  double: "DOUBLE",
  string: "VARCHAR",
};

/** The same type for DuckDB's read_json `columns`: what the Glue table reads, read locally. */
export function duckdbStoredType(t: StoredType, quote: (name: string) => string): string {
  switch (t.kind) {
    case "scalar":
      return DUCKDB_STORED[t.name];
    case "array":
      return `${duckdbStoredType(t.element, quote)}[]`;
    case "map":
      return "MAP(VARCHAR, VARCHAR)";
    case "struct":
      return `STRUCT(${t.fields.map((f) => `${quote(assertHiveFieldName(f.name))} ${duckdbStoredType(f.type, quote)}`).join(", ")})`;
  }
}

/** Athena's (Presto's) spelling: `array(integer)`, `map(varchar,varchar)`, as a Presto view definition lists them. */
export function athenaViewType(t: ViewType): string {
  switch (t.kind) {
    case "scalar":
      return t.name;
    case "array":
      return `array(${athenaViewType(t.element)})`;
    case "map":
      return "map(varchar,varchar)";
  }
}

/** DuckDB's spelling: the same words (timestamp(3) is its TIMESTAMP_MS), arrays as `integer[]`. */
export function duckdbViewType(t: ViewType): string {
  switch (t.kind) {
    case "scalar":
      return t.name;
    case "array":
      return `${duckdbViewType(t.element)}[]`;
    case "map":
      return "map(varchar,varchar)";
  }
}
