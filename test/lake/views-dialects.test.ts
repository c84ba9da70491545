/**
 * The lake views' two renderings come from one description: Athena's and DuckDB's SQL differ only in the
 * per-dialect functions and type spellings (DIALECTS). Athena's SQL is pinned exactly, as are the Glue
 * columns and the mapping of every column type the config may name.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import type { ColumnBaseType } from "../../src/config/pipeline-config";
import { SINK_PARTITIONING } from "../../src/kafka-connect/s3-sink-settings";
import {
  type Conversion,
  DEBEZIUM_JSON_TYPES,
  lakeColumnType,
  type ViewType,
} from "../../src/sql/lake-types";
import {
  changesViewSql,
  currentStateViewSql,
  DIALECTS,
  duckdbLakeRelation,
  hasCurrentStateView,
  type LakeViewSource,
  lakeTableColumns,
  type SqlDialect,
  viewColumns,
} from "../../src/sql/lake-views";
import { evaluateTrino, formatTrino } from "./trino-model";

const TYPED: LakeViewSource = {
  relation: '"cdc_lake"."demo_public_accounts"',
  jsonSchemas: false,
  keyColumns: ["id"],
  columns: [
    { name: "id", type: { base: "integer", arrayDimensions: 0 } },
    { name: "balance", type: { base: "numeric", precision: 12, scale: 2, arrayDimensions: 0 } },
    { name: "opened_at", type: { base: "timestamp without time zone", arrayDimensions: 0 } },
    { name: "seen_at", type: { base: "timestamp without time zone", precision: 3, arrayDimensions: 0 } },
    { name: "born", type: { base: "date", arrayDimensions: 0 } },
    { name: "tags", type: { base: "text", arrayDimensions: 1 } },
  ],
  partitionKeys: SINK_PARTITIONING.fields,
};

const UNTYPED: LakeViewSource = {
  relation: '"cdc_lake"."demo_app_orders"',
  jsonSchemas: true,
  keyColumns: ["tenant", "order_id"],
  partitionKeys: SINK_PARTITIONING.fields,
};

/** A quoted path (`"e"."after"."x"`) and a quoted literal: the only arguments the dialect functions get. */
const PATH = String.raw`"[^"]*"(?:\."[^"]*")*`;
const LITERAL = "'[^']*'";
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const SENTINEL = ["\u0001", "\u0002"] as const;

/** A regex for what `render` makes of its arguments, each matched by the given pattern. */
function templateRegex(render: (...args: string[]) => string, patterns: readonly string[]): RegExp {
  let source = escapeRegex(render(...SENTINEL.slice(0, patterns.length)));
  patterns.forEach((p, i) => {
    // The first use of an argument captures it; a later use (a value read twice) must be the same text.
    const sentinel = escapeRegex(SENTINEL[i] as string);
    source = source.replace(sentinel, `(${p})`).replaceAll(sentinel, `\\${i + 1}`);
  });
  return new RegExp(source, "g");
}

const VIEW_TYPES: ViewType[] = (
  [
    "boolean",
    "smallint",
    "integer",
    "bigint",
    "real",
    "double",
    "varchar",
    "date",
    "timestamp(3)",
    "timestamp(6)",
  ] as const
).flatMap((name): ViewType[] => [
  { kind: "scalar", name },
  { kind: "array", element: { kind: "scalar", name } },
]);
VIEW_TYPES.push({ kind: "map" });

/** The SQL with each dialect function call and type spelling replaced by a neutral token. */
function normalize(sql: string, dialect: SqlDialect): string {
  const d = DIALECTS[dialect];
  let out = sql.replace(templateRegex(d.mapGet, [PATH, LITERAL]), "«map_get»($1, $2)");
  for (const [name, render] of Object.entries(d.convert))
    out = out.replace(templateRegex(render, [PATH]), `«${name}»($1)`);
  for (const [i, t] of VIEW_TYPES.entries()) out = out.replaceAll(` AS ${d.type(t)})`, ` AS «type ${i}»)`);
  return out;
}

describe("lake views: one description, two dialects", () => {
  const cases = [
    ["typed", TYPED],
    ["typed, jsonSchemas", { ...TYPED, jsonSchemas: true }],
    ["untyped, jsonSchemas", UNTYPED],
    ["untyped", { ...UNTYPED, jsonSchemas: false }],
  ] as const;
  for (const [name, source] of cases)
    for (const [kind, render] of [
      ["current state", currentStateViewSql],
      ["changes", changesViewSql],
    ] as const)
      it(`${kind} (${name}): Athena and DuckDB differ only in the dialect functions and type spellings`, () => {
        const athena = render(source, "athena");
        const duckdb = render(source, "duckdb");
        expect(athena).not.toBe(duckdb);
        const neutral = normalize(athena, "athena");
        expect(normalize(duckdb, "duckdb")).toBe(neutral);
        // Every cast's type went through a dialect spelling, and no dialect function is left.
        expect(neutral).not.toMatch(/ AS [a-z]/);
        expect(neutral).not.toMatch(
          /element_at|map_extract_value|date_add|epoch_ms|make_timestamp|DATE '1970/,
        );
      });

  it("the dialect pieces are the ones each engine needs", () => {
    expect(DIALECTS.athena.mapGet('"m"', "'k'")).toBe(`element_at("m", 'k')`);
    expect(DIALECTS.duckdb.mapGet('"m"', "'k'")).toBe(`map_extract_value("m", 'k')`);
    expect(DIALECTS.athena.convert["epoch-micros-to-timestamp"]('"v"')).toBe(
      `date_add('day', "v" / 86400000000, CAST(from_unixtime_nanos("v" % 86400000000 * 1000) AT TIME ZONE 'UTC' AS timestamp(6)))`,
    );
    expect(DIALECTS.duckdb.convert["epoch-micros-to-timestamp"]('"v"')).toBe(`make_timestamp("v")`);
    expect(DIALECTS.athena.type({ kind: "array", element: { kind: "scalar", name: "integer" } })).toBe(
      "array(integer)",
    );
    expect(DIALECTS.duckdb.type({ kind: "array", element: { kind: "scalar", name: "integer" } })).toBe(
      "integer[]",
    );
  });
});

describe("lake views: Athena SQL", () => {
  it("current state of a table whose columns are known", () => {
    expect(currentStateViewSql(TYPED, "athena")).toBe(`SELECT
  "id",
  "balance",
  "opened_at",
  "seen_at",
  "born",
  "tags",
  "_cdc_lsn",
  "_cdc_ts_ms",
  "_cdc_event_time"
FROM (
  SELECT
    CAST("e"."after"."id" AS integer) AS "id",
    CAST("e"."after"."balance" AS varchar) AS "balance",
    CAST(date_add('day', "e"."after"."opened_at" / 86400000000, CAST(from_unixtime_nanos("e"."after"."opened_at" % 86400000000 * 1000) AT TIME ZONE 'UTC' AS timestamp(6))) AS timestamp(6)) AS "opened_at",
    CAST(date_add('day', "e"."after"."seen_at" / 86400000, date_add('millisecond', "e"."after"."seen_at" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "seen_at",
    CAST(date_add('day', "e"."after"."born", DATE '1970-01-01') AS date) AS "born",
    CAST("e"."after"."tags" AS array(varchar)) AS "tags",
    CAST("e"."source"."lsn" AS bigint) AS "_cdc_lsn",
    CAST("e"."ts_ms" AS bigint) AS "_cdc_ts_ms",
    CAST(date_add('day', "e"."source"."ts_ms" / 86400000, date_add('millisecond', "e"."source"."ts_ms" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "_cdc_event_time",
    "e"."op" AS "_cdc_op",
    row_number() OVER (PARTITION BY CASE WHEN "e"."op" = 'd' THEN "e"."before"."id" ELSE "e"."after"."id" END ORDER BY CASE WHEN "e"."op" <> 'r' AND ("e"."_cdc_last_read_ts_ms" IS NULL OR "e"."ts_ms" >= "e"."_cdc_last_read_ts_ms") THEN 2 WHEN "e"."op" = 'r' THEN 1 ELSE 0 END DESC, "e"."source"."lsn" DESC, "e"."ts_ms" DESC) AS "_cdc_rank"
  FROM (
    SELECT "e".*, max(CASE WHEN "e"."op" = 'r' THEN "e"."ts_ms" END) OVER (PARTITION BY CASE WHEN "e"."op" = 'd' THEN "e"."before"."id" ELSE "e"."after"."id" END) AS "_cdc_last_read_ts_ms"
    FROM "cdc_lake"."demo_public_accounts" AS "e"
    WHERE "e"."op" IN ('c', 'u', 'd', 'r')
  ) AS "e"
) AS "latest"
WHERE "_cdc_rank" = 1 AND "_cdc_op" <> 'd'`);
  });

  it("changes of a table whose columns are known", () => {
    expect(changesViewSql(TYPED, "athena")).toBe(`SELECT
  CAST(CASE "e"."op" WHEN 'c' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 'r' THEN 'snapshot read' ELSE "e"."op" END AS varchar) AS "operation",
  CAST(date_add('day', "e"."source"."ts_ms" / 86400000, date_add('millisecond', "e"."source"."ts_ms" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "event_time",
  CAST("e"."source"."lsn" AS bigint) AS "lsn",
  CAST("e"."ts_ms" AS bigint) AS "ts_ms",
  CAST("e"."before"."id" AS integer) AS "before_id",
  CAST("e"."before"."balance" AS varchar) AS "before_balance",
  CAST(date_add('day', "e"."before"."opened_at" / 86400000000, CAST(from_unixtime_nanos("e"."before"."opened_at" % 86400000000 * 1000) AT TIME ZONE 'UTC' AS timestamp(6))) AS timestamp(6)) AS "before_opened_at",
  CAST(date_add('day', "e"."before"."seen_at" / 86400000, date_add('millisecond', "e"."before"."seen_at" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "before_seen_at",
  CAST(date_add('day', "e"."before"."born", DATE '1970-01-01') AS date) AS "before_born",
  CAST("e"."before"."tags" AS array(varchar)) AS "before_tags",
  CAST("e"."after"."id" AS integer) AS "after_id",
  CAST("e"."after"."balance" AS varchar) AS "after_balance",
  CAST(date_add('day', "e"."after"."opened_at" / 86400000000, CAST(from_unixtime_nanos("e"."after"."opened_at" % 86400000000 * 1000) AT TIME ZONE 'UTC' AS timestamp(6))) AS timestamp(6)) AS "after_opened_at",
  CAST(date_add('day', "e"."after"."seen_at" / 86400000, date_add('millisecond', "e"."after"."seen_at" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "after_seen_at",
  CAST(date_add('day', "e"."after"."born", DATE '1970-01-01') AS date) AS "after_born",
  CAST("e"."after"."tags" AS array(varchar)) AS "after_tags",
  "e"."year" AS "year",
  "e"."month" AS "month",
  "e"."day" AS "day",
  "e"."hour" AS "hour"
FROM "cdc_lake"."demo_public_accounts" AS "e"`);
  });

  it("current state of a table known only by its key, lines with schemas", () => {
    expect(currentStateViewSql(UNTYPED, "athena")).toBe(`SELECT
  "tenant",
  "order_id",
  "_cdc_row",
  "_cdc_lsn",
  "_cdc_ts_ms",
  "_cdc_event_time"
FROM (
  SELECT
    CAST(element_at("e"."payload"."after", 'tenant') AS varchar) AS "tenant",
    CAST(element_at("e"."payload"."after", 'order_id') AS varchar) AS "order_id",
    CAST("e"."payload"."after" AS map(varchar,varchar)) AS "_cdc_row",
    CAST("e"."payload"."source"."lsn" AS bigint) AS "_cdc_lsn",
    CAST("e"."payload"."ts_ms" AS bigint) AS "_cdc_ts_ms",
    CAST(date_add('day', "e"."payload"."source"."ts_ms" / 86400000, date_add('millisecond', "e"."payload"."source"."ts_ms" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "_cdc_event_time",
    "e"."payload"."op" AS "_cdc_op",
    row_number() OVER (PARTITION BY CASE WHEN "e"."payload"."op" = 'd' THEN element_at("e"."payload"."before", 'tenant') ELSE element_at("e"."payload"."after", 'tenant') END, CASE WHEN "e"."payload"."op" = 'd' THEN element_at("e"."payload"."before", 'order_id') ELSE element_at("e"."payload"."after", 'order_id') END ORDER BY CASE WHEN "e"."payload"."op" <> 'r' AND ("e"."_cdc_last_read_ts_ms" IS NULL OR "e"."payload"."ts_ms" >= "e"."_cdc_last_read_ts_ms") THEN 2 WHEN "e"."payload"."op" = 'r' THEN 1 ELSE 0 END DESC, "e"."payload"."source"."lsn" DESC, "e"."payload"."ts_ms" DESC) AS "_cdc_rank"
  FROM (
    SELECT "e".*, max(CASE WHEN "e"."payload"."op" = 'r' THEN "e"."payload"."ts_ms" END) OVER (PARTITION BY CASE WHEN "e"."payload"."op" = 'd' THEN element_at("e"."payload"."before", 'tenant') ELSE element_at("e"."payload"."after", 'tenant') END, CASE WHEN "e"."payload"."op" = 'd' THEN element_at("e"."payload"."before", 'order_id') ELSE element_at("e"."payload"."after", 'order_id') END) AS "_cdc_last_read_ts_ms"
    FROM "cdc_lake"."demo_app_orders" AS "e"
    WHERE "e"."payload"."op" IN ('c', 'u', 'd', 'r')
  ) AS "e"
) AS "latest"
WHERE "_cdc_rank" = 1 AND "_cdc_op" <> 'd'`);
  });

  it("changes of a table whose columns are unknown: the row images as maps", () => {
    expect(changesViewSql(UNTYPED, "athena")).toBe(`SELECT
  CAST(CASE "e"."payload"."op" WHEN 'c' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 'r' THEN 'snapshot read' ELSE "e"."payload"."op" END AS varchar) AS "operation",
  CAST(date_add('day', "e"."payload"."source"."ts_ms" / 86400000, date_add('millisecond', "e"."payload"."source"."ts_ms" % 86400000, TIMESTAMP '1970-01-01 00:00:00.000')) AS timestamp(3)) AS "event_time",
  CAST("e"."payload"."source"."lsn" AS bigint) AS "lsn",
  CAST("e"."payload"."ts_ms" AS bigint) AS "ts_ms",
  CAST("e"."payload"."before" AS map(varchar,varchar)) AS "before",
  CAST("e"."payload"."after" AS map(varchar,varchar)) AS "after",
  "e"."year" AS "year",
  "e"."month" AS "month",
  "e"."day" AS "day",
  "e"."hour" AS "hour"
FROM "cdc_lake"."demo_app_orders" AS "e"`);
  });

  it("lists the views' columns with the types the SQL casts to (the Presto view definition's columns)", () => {
    expect(viewColumns(TYPED, "current-state")).toEqual([
      { name: "id", type: "integer" },
      { name: "balance", type: "varchar" },
      { name: "opened_at", type: "timestamp(6)" },
      { name: "seen_at", type: "timestamp(3)" },
      { name: "born", type: "date" },
      { name: "tags", type: "array(varchar)" },
      { name: "_cdc_lsn", type: "bigint" },
      { name: "_cdc_ts_ms", type: "bigint" },
      { name: "_cdc_event_time", type: "timestamp(3)" },
    ]);
    expect(viewColumns(UNTYPED, "changes")).toEqual([
      { name: "operation", type: "varchar" },
      { name: "event_time", type: "timestamp(3)" },
      { name: "lsn", type: "bigint" },
      { name: "ts_ms", type: "bigint" },
      { name: "before", type: "map(varchar,varchar)" },
      { name: "after", type: "map(varchar,varchar)" },
      // The partition keys, as the table has them: filters on them prune folders.
      { name: "year", type: "varchar" },
      { name: "month", type: "varchar" },
      { name: "day", type: "varchar" },
      { name: "hour", type: "varchar" },
    ]);
    // Each listed type is the one the SQL casts that column to; a partition key (a string) is not cast.
    for (const source of [TYPED, UNTYPED])
      for (const [kind, render] of [
        ["current-state", currentStateViewSql],
        ["changes", changesViewSql],
      ] as const) {
        const sql = render(source, "athena");
        for (const c of viewColumns(source, kind))
          expect(sql).toContain(
            SINK_PARTITIONING.fields.some((f) => f === c.name)
              ? `  "e"."${c.name}" AS "${c.name}"`
              : ` AS ${c.type}) AS "${c.name}"`,
          );
      }
  });
});

describe("lake tables: the Glue columns", () => {
  it("types the row images as structs when the columns are known", () => {
    const row = "struct<id:int,balance:string,opened_at:bigint,seen_at:bigint,born:int,tags:array<string>>";
    expect(lakeTableColumns(TYPED)).toEqual([
      { name: "before", type: row },
      { name: "after", type: row },
      { name: "source", type: "struct<lsn:bigint,ts_ms:bigint>" },
      { name: "op", type: "string" },
      { name: "ts_ms", type: "bigint" },
    ]);
  });

  it("puts the envelope under payload when the lines carry their schema, with map<string,string> rows when unknown", () => {
    expect(lakeTableColumns(UNTYPED)).toEqual([
      {
        name: "payload",
        type: "struct<before:map<string,string>,after:map<string,string>,source:struct<lsn:bigint,ts_ms:bigint>,op:string,ts_ms:bigint>",
      },
    ]);
  });

  it("reads the same columns in DuckDB", () => {
    expect(duckdbLakeRelation("/lake/cdc/demo.app.orders/*/*/*/*/*.json", UNTYPED)).toBe(
      "read_json('/lake/cdc/demo.app.orders/*/*/*/*/*.json', format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, " +
        `columns = {'payload': 'STRUCT("before" MAP(VARCHAR, VARCHAR), "after" MAP(VARCHAR, VARCHAR), "source" STRUCT("lsn" BIGINT, "ts_ms" BIGINT), "op" VARCHAR, "ts_ms" BIGINT)'})`,
    );
  });
});

describe("lake type mapping", () => {
  // Every base type of the config (a Record over the union: a new type fails to compile here).
  const CONFIG_TYPES: Record<ColumnBaseType, true> = {
    smallint: true,
    integer: true,
    bigint: true,
    smallserial: true,
    serial: true,
    bigserial: true,
    boolean: true,
    text: true,
    "character varying": true,
    character: true,
    numeric: true,
    real: true,
    "double precision": true,
    date: true,
    "timestamp without time zone": true,
    "timestamp with time zone": true,
    "time without time zone": true,
    "time with time zone": true,
    interval: true,
    uuid: true,
    json: true,
    jsonb: true,
    bytea: true,
  };

  it("maps every column type the config may name", () => {
    expect(Object.keys(DEBEZIUM_JSON_TYPES).sort()).toEqual(Object.keys(CONFIG_TYPES).sort());
  });

  it("follows Debezium's adaptive precision: up to 3 digits millis, else micros", () => {
    const of = (base: string, precision?: number) =>
      lakeColumnType({ base, arrayDimensions: 0, ...(precision === undefined ? {} : { precision }) });
    expect(of("timestamp without time zone", 3)).toMatchObject({
      conversion: "epoch-millis-to-timestamp",
      view: { name: "timestamp(3)" },
    });
    expect(of("timestamp without time zone", 4)).toMatchObject({
      conversion: "epoch-micros-to-timestamp",
      view: { name: "timestamp(6)" },
    });
    expect(of("timestamp without time zone")?.conversion).toBe("epoch-micros-to-timestamp");
    expect(of("time without time zone", 0)?.stored).toEqual({ kind: "scalar", name: "int" });
    expect(of("time without time zone")?.stored).toEqual({ kind: "scalar", name: "bigint" });
    expect(of("numeric", 12)?.stored).toEqual({ kind: "scalar", name: "string" });
    expect(of("bytea")?.mapping.json).toBe("string: base64 (JsonConverter's binary node)");
  });

  it("keeps array elements as stored, and leaves out interval[] (Debezium 2.3 writes no such field)", () => {
    expect(lakeColumnType({ base: "date", arrayDimensions: 1 })).toMatchObject({
      stored: { kind: "array", element: { kind: "scalar", name: "int" } },
      conversion: "none",
      view: { kind: "array", element: { kind: "scalar", name: "integer" } },
    });
    expect(lakeColumnType({ base: "interval", arrayDimensions: 1 })).toBeUndefined();
    expect(
      lakeTableColumns({
        ...TYPED,
        keyColumns: ["id"],
        columns: [
          { name: "id", type: { base: "bigint", arrayDimensions: 0 } },
          { name: "spans", type: { base: "interval", arrayDimensions: 2 } },
        ],
      })[0],
    ).toEqual({ name: "before", type: "struct<id:bigint>" });
  });
});

describe("lake views: refusals", () => {
  it("has no current-state view without a key", () => {
    const keyless = { ...TYPED, keyColumns: [] };
    expect(hasCurrentStateView(keyless)).toBe(false);
    expect(hasCurrentStateView(TYPED)).toBe(true);
    expect(() => currentStateViewSql(keyless, "athena")).toThrow(
      "current-state view got a table without key columns; expected keyColumns (a primary key): check " +
        "hasCurrentStateView first; such a table has only the changes view",
    );
    expect(changesViewSql(keyless, "athena")).toBe(changesViewSql(TYPED, "athena"));
  });

  it("fails if a key column is not a column of the table", () => {
    expect(() => currentStateViewSql({ ...TYPED, keyColumns: ["account_id"] }, "duckdb")).toThrow(
      'lake view key column got "account_id"; expected one of the table\'s columns (id, balance, opened_at, seen_at, born, tags)',
    );
  });

  it("fails if a column takes the views' metadata prefix", () => {
    const clash = {
      ...TYPED,
      columns: [...(TYPED.columns ?? []), { name: "_cdc_lsn", type: { base: "text", arrayDimensions: 0 } }],
    };
    expect(() => changesViewSql(clash, "athena")).toThrow(
      'lake view column got "_cdc_lsn"; expected a name not starting with _cdc_ (the views\' metadata columns use that prefix): rename the column',
    );
  });

  it("fails if a partition key is repeated or takes a name the changes view already has", () => {
    expect(() => changesViewSql({ ...UNTYPED, partitionKeys: ["year", "year"] }, "athena")).toThrow(
      "lake view partition keys got year, year; expected each partition key once",
    );
    expect(() => changesViewSql({ ...UNTYPED, partitionKeys: ["year", "after"] }, "athena")).toThrow(
      'changes view got two columns named "after"; expected distinct names: rename the table\'s column (the view ' +
        "adds operation, event_time, lsn, ts_ms, before_<column>, after_<column> and the partition keys)",
    );
    expect(() => changesViewSql({ ...UNTYPED, partitionKeys: ["year\u0000"] }, "athena")).toThrow(
      "partition key holds U+0000, which no generated SQL may carry",
    );
  });

  it("fails if a column name cannot be a Glue struct field", () => {
    const upper = {
      ...TYPED,
      columns: [{ name: "Id", type: { base: "integer", arrayDimensions: 0 } }],
      keyColumns: ["Id"],
    };
    expect(() => lakeTableColumns(upper)).toThrow(
      'lake column name got "Id"; expected lowercase letters, digits and _, not starting with a digit (a Glue ' +
        "struct type names its fields unquoted, and Glue lowercases them): rename the column",
    );
  });

  it("quotes every name from the config, and refuses what no SQL may carry", () => {
    const odd = { ...UNTYPED, keyColumns: ['we"ird', "it's"] };
    const sql = currentStateViewSql(odd, "athena");
    expect(sql).toContain(`CAST(element_at("e"."payload"."after", 'we"ird') AS varchar) AS "we""ird"`);
    expect(sql).toContain(`CAST(element_at("e"."payload"."after", 'it''s') AS varchar) AS "it's"`);
    expect(() => currentStateViewSql({ ...UNTYPED, keyColumns: ["a\\b"] }, "athena")).toThrow(
      'key column holds U+005C, which no generated SQL may carry: "a\\\\b"',
    );
    expect(() => changesViewSql({ ...UNTYPED, relation: '"db"."t"\n\\! rm' }, "athena")).toThrow(
      "relation holds U+000A, which no generated SQL may carry",
    );
  });

  it("fails on a column type the mapping does not know", () => {
    expect(() => lakeColumnType({ base: "money", arrayDimensions: 0 })).toThrow(
      'column type got "money"; expected one of smallint, smallserial, integer, serial, bigint, bigserial, boolean, text, ' +
        "character varying, character, numeric, real, double precision, date, timestamp without time zone, " +
        "timestamp with time zone, time without time zone, time with time zone, interval, uuid, json, jsonb, bytea",
    );
  });
});

describe("Athena's conversions, on a model of Trino's functions, agree with DuckDB's", () => {
  const ms = (iso: string) => BigInt(Date.parse(iso));
  const CASES: Readonly<Record<Exclude<Conversion, "none">, { p: number; values: bigint[] }>> = {
    "epoch-millis-to-timestamp": {
      p: 3,
      values: [
        0n,
        1n,
        -1n,
        999n,
        -999n,
        86_399_999n,
        86_400_000n,
        -86_400_001n,
        // Past an int: what date_add alone cannot take (Math.toIntExact).
        2_147_483_647n,
        2_147_483_648n,
        -2_147_483_649n,
        ms("2024-02-29T23:59:59.999Z"),
        ms("1969-12-31T23:59:59.500Z"),
        ms("2038-01-19T03:14:08.001Z"),
        ms("9999-12-31T23:59:59.999Z"),
        ms("0001-01-01T00:00:00.000Z"),
      ],
    },
    "epoch-micros-to-timestamp": {
      p: 6,
      values: [
        0n,
        1n,
        -1n,
        999_999n,
        -500_001n,
        86_399_999_999n,
        -86_400_000_001n,
        ms("2024-03-01T10:00:00.123Z") * 1000n + 456n,
        ms("1969-12-31T23:59:59.999Z") * 1000n + 999n,
        ms("9999-12-31T23:59:59.999Z") * 1000n + 999n,
        ms("0001-01-01T00:00:00.000Z") * 1000n,
      ],
    },
    "epoch-days-to-date": {
      p: 0,
      values: [0n, 1n, -1n, 19_782n, 24_855n, 2_932_896n, -719_162n],
    },
  };

  it.each(Object.entries(CASES))("%s", async (conversion, { p, values }) => {
    const kind = conversion as Exclude<Conversion, "none">;
    const instance = await DuckDBInstance.create(":memory:");
    const duck = await instance.connect();
    try {
      for (const value of values) {
        const literal = value < 0n ? `(${value})` : String(value);
        const athena = DIALECTS.athena.convert[kind](literal);
        const trino = formatTrino(
          evaluateTrino(kind === "epoch-days-to-date" ? athena : `CAST(${athena} AS timestamp(${p}))`),
        );
        // As the Glue table stores them: days an int, the others a bigint.
        const duckExpr = DIALECTS.duckdb.convert[kind](
          `CAST(${literal} AS ${kind === "epoch-days-to-date" ? "INTEGER" : "BIGINT"})`,
        );
        const [row] = (
          await duck.runAndReadAll(
            kind === "epoch-days-to-date"
              ? `SELECT strftime(${duckExpr}, '%Y-%m-%d') AS v`
              : `SELECT strftime(CAST(${duckExpr} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f') AS v`,
          )
        ).getRowObjectsJson();
        expect(`${value}: ${trino}`).toBe(`${value}: ${row?.v}`);
      }
    } finally {
      duck.closeSync();
      instance.closeSync();
    }
  });

  it("the model fails where Trino fails: an int amount, no microsecond unit, no cast of a session zone", () => {
    expect(() =>
      evaluateTrino("date_add('millisecond', 1709287200123, TIMESTAMP '1970-01-01 00:00:00.000')"),
    ).toThrow("integer overflow");
    expect(() => evaluateTrino("date_add('microsecond', 1, TIMESTAMP '1970-01-01 00:00:00.000000')")).toThrow(
      "'microsecond' is not a valid Timestamp field",
    );
    expect(() => evaluateTrino("CAST(from_unixtime_nanos(1000) AS timestamp(6))")).toThrow(
      "depends on the session's time zone",
    );
    expect(() => evaluateTrino("date_add('day', 2147483648, DATE '1970-01-01')")).toThrow("integer overflow");
    expect(formatTrino(evaluateTrino("date_add('day', -1, TIMESTAMP '1970-01-01 00:00:00.250')"))).toBe(
      "1969-12-31 00:00:00.250000",
    );
  });
});
