/**
 * SQL views over the lake's change events: the S3 sink writes each Debezium event as one JSON line under
 * `cdc/<topic>/year=…/month=…/day=…/hour=…/` (src/kafka-connect/s3-sink-settings.ts), and these views make
 * them queryable: the current state of each table, and its changes. One description renders for Athena (the
 * views the Glue catalog holds) and DuckDB (the same views, run locally in tests and on a downloaded lake);
 * only the few functions in DIALECTS differ.
 *
 * The Glue table reads the lines with the Hive JSON SerDe (LAKE_JSON_SERDE), columns from lakeTableColumns.
 */
import type { ColumnType } from "./columns";
import {
  athenaViewType,
  type Conversion,
  duckdbStoredType,
  duckdbViewType,
  hiveType,
  type LakeColumnType,
  lakeColumnType,
  type StoredType,
  type ViewScalar,
  type ViewType,
} from "./lake-types";
import { assertSafeText, quoteIdent, quoteLiteral } from "./quote";

export type SqlDialect = "athena" | "duckdb";

/**
 * The Glue Data Catalog as Athena names it: in a query's context, in its `datacatalog/<name>` ARN, and
 * lowercased in the definitions of the views Athena stores (Trino lowercases catalog names).
 */
export const ATHENA_CATALOG = "AwsDataCatalog";

/** A table's change events in the lake, as the views see them. */
export interface LakeViewSource {
  /** What to select from, already quoted: Athena `"db"."tbl"`, DuckDB a read_json(...) call (duckdbLakeRelation). */
  readonly relation: string;
  /**
   * Whether each line is `{schema, payload: <envelope>}` rather than the bare envelope. Not the same as
   * connectors.jsonSchemas: this project's sink (JsonFormat) writes Structs with its own schemaless
   * JsonConverter, so its lines are bare envelopes either way (SINK_JSON_LINES_CARRY_SCHEMA in
   * src/kafka-connect/s3-sink-settings.ts); the wrapped shape is what a sink writing records verbatim leaves.
   */
  readonly jsonSchemas: boolean;
  /** The primary key, when the config knows it; without one there is no current-state view. */
  readonly keyColumns?: readonly string[] | undefined;
  /** The table's columns, when the config knows them (tables the pipeline creates); else rows are string maps. */
  readonly columns?: readonly { readonly name: string; readonly type: ColumnType }[] | undefined;
  /**
   * The relation's partition columns (strings), coarsest first: the sink's folder levels (SINK_PARTITIONING in
   * src/kafka-connect/s3-sink-settings.ts). The changes view passes them through unchanged, so a filter on
   * them reaches the table and Athena reads only those folders.
   */
  readonly partitionKeys: readonly string[];
}

export type LakeViewKind = "current-state" | "changes";

/**
 * Hive's JSON SerDe (Athena's recommendation over the OpenX one, whose results "can be non-deterministic").
 * It reads a nested object into a struct or a map<string,string> (scalar values as their text) but refuses
 * one for a string column ("Invalid JSON: varchar value must be a scalar json value": Trino's
 * io.trino.hive.formats.line.json.JsonDeserializer, which Athena's engine 3 runs). So rows are structs when
 * the columns are known and maps otherwise. Limit: a map value that is itself an array or object (a PostgreSQL
 * array column of a table whose columns the config does not know) fails the query the same way; give that
 * table its columns in the config. The OpenX SerDe would render such a value as JSON text instead.
 * @see https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html
 * @see https://github.com/trinodb/trino/blob/master/lib/trino-hive-formats/src/main/java/io/trino/hive/formats/line/json/JsonDeserializer.java
 */
export const LAKE_JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe";

/** Column names the views add; a table column may not start with this prefix. */
const META_PREFIX = "_cdc_";

/** The per-dialect pieces: everything else in the SQL is the same text for both engines. */
export interface LakeDialect {
  /** The value of `key` (a quoted literal) in a map<varchar,varchar>, or NULL when absent. */
  readonly mapGet: (map: string, key: string) => string;
  readonly convert: Readonly<Record<Exclude<Conversion, "none">, (value: string) => string>>;
  readonly type: (t: ViewType) => string;
}

export const DIALECTS: Readonly<Record<SqlDialect, LakeDialect>> = {
  athena: {
    // element_at, not m[k]: the subscript fails on a missing key.
    mapGet: (map, key) => `element_at(${map}, ${key})`,
    // Trino's date_add takes its amount through Math.toIntExact (an int: ±24.8 days of milliseconds) and knows
    // no 'microsecond' unit (DateAdd, DateTimeFunctions.getTimestampField). So whole days go through date_add
    // and the rest of the day as milliseconds, or as nanoseconds through from_unixtime_nanos (a timestamp with
    // time zone: read in UTC, then cast). `/` and `%` truncate toward zero on bigint, so days + rest is exact
    // for any sign; no product can overflow a bigint. Checked against a model of these functions in
    // test/lake/trino-model.ts, which agrees with DuckDB on every value of test/lake/views-dialects.test.ts.
    // @see https://github.com/trinodb/trino/blob/master/core/trino-main/src/main/java/io/trino/operator/scalar/timestamp/DateAdd.java
    convert: {
      "epoch-millis-to-timestamp": (v) =>
        `date_add('day', ${v} / 86400000, date_add('millisecond', ${v} % 86400000, TIMESTAMP '1970-01-01 00:00:00.000'))`,
      "epoch-micros-to-timestamp": (v) =>
        `date_add('day', ${v} / 86400000000, CAST(from_unixtime_nanos(${v} % 86400000000 * 1000) AT TIME ZONE 'UTC' AS timestamp(6)))`,
      "epoch-days-to-date": (v) => `date_add('day', ${v}, DATE '1970-01-01')`,
    },
    type: athenaViewType,
  },
  duckdb: {
    // map_extract_value, not element_at: DuckDB's element_at on a map returns a list.
    mapGet: (map, key) => `map_extract_value(${map}, ${key})`,
    convert: {
      "epoch-millis-to-timestamp": (v) => `epoch_ms(${v})`,
      "epoch-micros-to-timestamp": (v) => `make_timestamp(${v})`,
      "epoch-days-to-date": (v) => `(DATE '1970-01-01' + ${v})`,
    },
    type: duckdbViewType,
  },
};

interface OutputColumn {
  readonly name: string;
  /** Rendered with a dialect; the view casts it to `type`, so the view's column types are exactly `type`. */
  readonly expr: (d: LakeDialect) => string;
  readonly type: ViewType;
  /**
   * A partition column, selected as it is (already `type`): no CAST around it, so that a filter on the view's
   * column is a filter on the table's partition key, which is what partition projection prunes on.
   */
  readonly partition?: true;
}

const scalar = (name: ViewScalar): ViewType => ({ kind: "scalar", name });
const MAP: ViewType = { kind: "map" };

/** A typed column: its name and how it is stored and shown (undefined: Debezium writes no such field). */
interface TypedColumn {
  readonly name: string;
  readonly lake: LakeColumnType;
}

/**
 * What a source's views and Glue table depend on besides its relation: its shape. Tables share shapes
 * (every table whose columns the config does not give has the same one). Sources are read-only.
 */
const shapeKey = (() => {
  const keys = new WeakMap<LakeViewSource, string>();
  return (source: LakeViewSource): string => {
    let key = keys.get(source);
    if (key === undefined) {
      key = JSON.stringify([
        source.jsonSchemas,
        source.keyColumns ?? null,
        source.columns ?? null,
        source.partitionKeys,
      ]);
      keys.set(source, key);
    }
    return key;
  };
})();

/**
 * A source's checked form and view columns, worked out once per shape: a table's view columns and its Glue
 * columns both start from them, and at 500 tables most tables share a shape. Callers do not change them.
 */
function once<T>(compute: (source: LakeViewSource) => T): (source: LakeViewSource) => T {
  const cache = new Map<string, T>();
  return (source) => {
    const key = shapeKey(source);
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(source);
      cache.set(key, value);
    }
    return value;
  };
}

const checked = once(checkSource);

/** The source checked: names safe, key columns among the columns, no name clash with the views' own. */
function checkSource(source: LakeViewSource): {
  readonly columns: readonly TypedColumn[] | undefined;
  readonly keys: readonly string[];
} {
  const keys = [...(source.keyColumns ?? [])];
  for (const name of keys) assertSafeText(name, "key column");
  for (const name of source.partitionKeys) assertSafeText(name, "partition key");
  if (new Set(source.partitionKeys).size !== source.partitionKeys.length)
    throw new Error(
      `lake view partition keys got ${source.partitionKeys.join(", ")}; expected each partition key once`,
    );
  if (new Set(keys).size !== keys.length)
    throw new Error(`lake view key columns got ${keys.join(", ")}; expected each column once`);
  if (source.columns === undefined) return { columns: undefined, keys };
  const names = source.columns.map((c) => c.name);
  for (const name of names) {
    assertSafeText(name, "column name");
    if (name.startsWith(META_PREFIX))
      throw new Error(
        `lake view column got ${JSON.stringify(name)}; expected a name not starting with ${META_PREFIX} (the views' ` +
          "metadata columns use that prefix): rename the column",
      );
  }
  if (new Set(names).size !== names.length)
    throw new Error(`lake view columns got ${names.join(", ")}; expected each column once`);
  const columns = source.columns.flatMap((c) => {
    const lake = lakeColumnType(c.type);
    return lake ? [{ name: c.name, lake }] : [];
  });
  for (const key of keys) {
    const column = columns.find((c) => c.name === key);
    if (!column)
      throw new Error(
        `lake view key column got ${JSON.stringify(key)}; expected one of the table's columns (${names.join(", ")})`,
      );
    if (column.lake.stored.kind !== "scalar")
      throw new Error(`lake view key column ${JSON.stringify(key)} got an array; expected a scalar key`);
  }
  return { columns, keys };
}

/** The relation a view of `source` reads (joined into its viewSqlTemplate), checked. */
export function viewRelation(source: LakeViewSource): string {
  return checkedRelation(source.relation);
}

/** The relation, checked: it is SQL the caller quoted, so only refuse what no generated SQL may carry. */
function checkedRelation(relation: string): string {
  assertSafeText(relation, "relation");
  if (relation.trim() === "")
    throw new Error(
      "lake view relation got an empty string; expected a quoted table or a read_json(...) call",
    );
  return relation;
}

/** `"e"."op"`, or `"e"."payload"."op"` when the lines carry their schema. */
function envelopeField(source: LakeViewSource, ...path: string[]): string {
  return [
    quoteIdent("e"),
    ...(source.jsonSchemas ? [quoteIdent("payload")] : []),
    ...path.map(quoteIdent),
  ].join(".");
}

/** A row image's column as stored (no conversion): a struct field, or a map entry. */
function storedValue(source: LakeViewSource, image: "before" | "after", column: string, typed: boolean) {
  return (d: LakeDialect) =>
    typed
      ? `${envelopeField(source, image)}.${quoteIdent(column)}`
      : d.mapGet(envelopeField(source, image), quoteLiteral(column));
}

function shownValue(source: LakeViewSource, image: "before" | "after", column: TypedColumn) {
  const stored = storedValue(source, image, column.name, true);
  const conversion = column.lake.conversion;
  return (d: LakeDialect) => (conversion === "none" ? stored(d) : d.convert[conversion](stored(d)));
}

/** What the lines hold for each event, for both views. */
function eventColumns(source: LakeViewSource) {
  return {
    lsn: () => envelopeField(source, "source", "lsn"),
    eventTime: (d: LakeDialect) =>
      d.convert["epoch-millis-to-timestamp"](envelopeField(source, "source", "ts_ms")),
    tsMs: () => envelopeField(source, "ts_ms"),
    op: () => envelopeField(source, "op"),
  };
}

/**
 * Whether the table gets a current-state view: only with a known primary key. Without one, events of the same
 * row cannot be told apart from events of an identical other row (REPLICA IDENTITY FULL without a key), so only
 * the changes view exists.
 */
export function hasCurrentStateView(source: LakeViewSource): boolean {
  return (source.keyColumns ?? []).length > 0;
}

const currentStateColumns = once(currentStateColumnsOf);

function currentStateColumnsOf(source: LakeViewSource): OutputColumn[] {
  const { columns, keys } = checked(source);
  if (keys.length === 0)
    throw new Error(
      "current-state view got a table without key columns; expected keyColumns (a primary key): check " +
        "hasCurrentStateView first; such a table has only the changes view",
    );
  const event = eventColumns(source);
  const meta: OutputColumn[] = [
    { name: `${META_PREFIX}lsn`, expr: event.lsn, type: scalar("bigint") },
    { name: `${META_PREFIX}ts_ms`, expr: event.tsMs, type: scalar("bigint") },
    { name: `${META_PREFIX}event_time`, expr: event.eventTime, type: scalar("timestamp(3)") },
  ];
  if (columns === undefined)
    return [
      ...keys.map((k) => ({
        name: k,
        expr: storedValue(source, "after", k, false),
        type: scalar("varchar"),
      })),
      // The whole row as text: every column, the key's included.
      { name: `${META_PREFIX}row`, expr: () => envelopeField(source, "after"), type: MAP },
      ...meta,
    ];
  return [
    ...columns.map((c) => ({ name: c.name, expr: shownValue(source, "after", c), type: c.lake.view })),
    ...meta,
  ];
}

const changesColumns = once(changesColumnsOf);

function changesColumnsOf(source: LakeViewSource): OutputColumn[] {
  const { columns } = checked(source);
  const event = eventColumns(source);
  const opName = () => {
    const op = event.op();
    return `CASE ${op} WHEN 'c' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 'r' THEN 'snapshot read' ELSE ${op} END`;
  };
  const images = (["before", "after"] as const).flatMap((image): OutputColumn[] =>
    columns === undefined
      ? [{ name: image, expr: () => envelopeField(source, image), type: MAP }]
      : columns.map((c) => ({
          name: `${image}_${c.name}`,
          expr: shownValue(source, image, c),
          type: c.lake.view,
        })),
  );
  const columnsOut: OutputColumn[] = [
    { name: "operation", expr: opName, type: scalar("varchar") },
    { name: "event_time", expr: event.eventTime, type: scalar("timestamp(3)") },
    { name: "lsn", expr: event.lsn, type: scalar("bigint") },
    { name: "ts_ms", expr: event.tsMs, type: scalar("bigint") },
    ...images,
    ...source.partitionKeys.map(
      (key): OutputColumn => ({
        name: key,
        expr: () => `${quoteIdent("e")}.${quoteIdent(key)}`,
        type: scalar("varchar"),
        partition: true,
      }),
    ),
  ];
  const names = columnsOut.map((c) => c.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash !== undefined)
    throw new Error(
      `changes view got two columns named ${JSON.stringify(clash)}; expected distinct names: rename the table's ` +
        "column (the view adds operation, event_time, lsn, ts_ms, before_<column>, after_<column> and the partition keys)",
    );
  return columnsOut;
}

function selectList(columns: readonly OutputColumn[], d: LakeDialect, indent: string): string {
  return columns
    .map(
      (c) =>
        `${indent}${c.partition ? c.expr(d) : `CAST(${c.expr(d)} AS ${d.type(c.type)})`} AS ${quoteIdent(c.name)}`,
    )
    .join(",\n");
}

/**
 * The latest state of each row: the last event per primary key, dropped when that event is a delete. The key
 * comes from `after` (c, u, r) or `before` (d). Which event is last:
 *
 * - Between changes (c, u, d), the greater source.lsn, then the greater ts_ms. Within one row, LSN order is
 *   commit order: a row's writers are serialised by its lock; a key change's delete and insert share an LSN
 *   and are ordered by ts_ms, as Debezium emitted them.
 * - Between snapshot reads (r), the greater LSN: a later snapshot started at a later LSN.
 * - Between a read and a change, the order Debezium emitted them (ts_ms): a change emitted at or after the
 *   row's latest snapshot read is newer, whatever its LSN. A read carries the LSN where its snapshot started,
 *   and a transaction that began before the slot's consistent point but committed after it is streamed
 *   after the snapshot with change LSNs below that point (PostgreSQL's snapbuild.c; Debezium's source.lsn is
 *   the change's own): LSN order alone would keep the stale read. A change emitted before the latest read
 *   (before a re-snapshot) is older than it.
 *
 * REPLICA IDENTITY DEFAULT is enough: a delete's `before` holds the key columns (the rest null), an update's
 * `before` is null unless the key changed, and a key change arrives as a delete of the old key and an insert
 * of the new one (Debezium's RelationalChangeRecordEmitter): the view reads only the key from `before`. A
 * re-snapshot (snapshot.mode when_needed, after a lost slot) brings every row back, but rows deleted while no
 * slot existed keep their last state here, as do rows removed by TRUNCATE (Debezium skips truncate events by
 * default).
 */
export function currentStateViewSql(source: LakeViewSource, dialect: SqlDialect): string {
  return viewSqlTemplate("current-state", source, dialect).join(viewRelation(source));
}

function renderCurrentState(source: LakeViewSource, dialect: SqlDialect, relation: string): string {
  const d = DIALECTS[dialect];
  const columns = currentStateColumns(source);
  const { columns: typed, keys } = checked(source);
  const event = eventColumns(source);
  const op = event.op();
  const partition = keys
    .map((k) => {
      const before = storedValue(source, "before", k, typed !== undefined)(d);
      const after = storedValue(source, "after", k, typed !== undefined)(d);
      return `CASE WHEN ${op} = 'd' THEN ${before} ELSE ${after} END`;
    })
    .join(", ");
  const e = quoteIdent("e");
  const lastRead = `${e}.${quoteIdent(`${META_PREFIX}last_read_ts_ms`)}`;
  // 2: a change at or after the row's latest snapshot read; 1: a read; 0: a change the latest read supersedes.
  const era = `CASE WHEN ${op} <> 'r' AND (${lastRead} IS NULL OR ${event.tsMs()} >= ${lastRead}) THEN 2 WHEN ${op} = 'r' THEN 1 ELSE 0 END`;
  return [
    "SELECT",
    columns.map((c) => `  ${quoteIdent(c.name)}`).join(",\n"),
    "FROM (",
    "  SELECT",
    `${selectList(columns, d, "    ")},`,
    `    ${op} AS ${quoteIdent(`${META_PREFIX}op`)},`,
    `    row_number() OVER (PARTITION BY ${partition} ORDER BY ${era} DESC, ${event.lsn()} DESC, ${event.tsMs()} DESC) AS ${quoteIdent(`${META_PREFIX}rank`)}`,
    "  FROM (",
    `    SELECT ${e}.*, max(CASE WHEN ${op} = 'r' THEN ${event.tsMs()} END) OVER (PARTITION BY ${partition}) AS ${quoteIdent(`${META_PREFIX}last_read_ts_ms`)}`,
    `    FROM ${relation} AS ${e}`,
    `    WHERE ${op} IN ('c', 'u', 'd', 'r')`,
    `  ) AS ${e}`,
    `) AS ${quoteIdent("latest")}`,
    `WHERE ${quoteIdent(`${META_PREFIX}rank`)} = 1 AND ${quoteIdent(`${META_PREFIX}op`)} <> 'd'`,
  ].join("\n");
}

/**
 * Every event, one row each: the operation's name (insert, update, delete, snapshot read), when it was
 * committed (source.ts_ms), its LSN and processing time (ts_ms, to order events of one LSN: a key change's
 * delete and insert), the row before and after it (typed columns `before_<c>`/`after_<c>`, or two maps), and
 * the folder it was written to (the partition keys: the hour Kafka Connect produced the event, at or after its
 * commit), the only filter that narrows what Athena reads.
 */
export function changesViewSql(source: LakeViewSource, dialect: SqlDialect): string {
  return viewSqlTemplate("changes", source, dialect).join(viewRelation(source));
}

function renderChanges(source: LakeViewSource, dialect: SqlDialect, relation: string): string {
  const d = DIALECTS[dialect];
  return [
    "SELECT",
    selectList(changesColumns(source), d, "  "),
    `FROM ${relation} AS ${quoteIdent("e")}`,
  ].join("\n");
}

/**
 * Where the relation goes in a view's template: NUL, which no checked name or relation can hold
 * (assertSafeText), so the text splits only there.
 */
const RELATION_SLOT = "\u0000relation\u0000";
const templates = new Map<string, readonly string[]>();
const RENDERERS: Record<LakeViewKind, typeof renderChanges> = {
  "current-state": renderCurrentState,
  changes: renderChanges,
};

/**
 * A view's SQL without its relation: the text before, between and after the places the relation goes (the
 * view's SQL is the parts joined with the relation). Rendered once per table shape (line format, key,
 * columns, partition keys) and dialect, and the same array for every table of that shape: every table whose
 * columns the config does not give has the same views but for the relation. The lake writes each shape once
 * (LakeViews), and Terraform joins it with each view's relation.
 */
export function viewSqlTemplate(
  kind: LakeViewKind,
  source: LakeViewSource,
  dialect: SqlDialect,
): readonly string[] {
  const key = `${kind}\u0000${dialect}\u0000${shapeKey(source)}`;
  let parts = templates.get(key);
  if (parts === undefined) {
    parts = Object.freeze(RENDERERS[kind](source, dialect, RELATION_SLOT).split(RELATION_SLOT));
    templates.set(key, parts);
  }
  return parts;
}

/** The view's columns with Athena (Presto) types, as a Presto view definition in Glue lists them. */
export function viewColumns(
  source: LakeViewSource,
  kind: LakeViewKind,
): readonly { readonly name: string; readonly type: string }[] {
  return kind === "current-state" ? currentStateViewColumns(source) : changesViewColumns(source);
}

const athenaColumns = (columns: readonly OutputColumn[]) =>
  columns.map((c) => ({ name: c.name, type: athenaViewType(c.type) }));
const currentStateViewColumns = once((source) => athenaColumns(currentStateColumns(source)));
const changesViewColumns = once((source) => athenaColumns(changesColumns(source)));

/** The envelope as the Glue table stores it. */
function envelopeType(source: LakeViewSource): StoredType {
  const { columns } = checked(source);
  const row: StoredType =
    columns === undefined
      ? { kind: "map" }
      : { kind: "struct", fields: columns.map((c) => ({ name: c.name, type: c.lake.stored })) };
  return {
    kind: "struct",
    fields: [
      { name: "before", type: row },
      { name: "after", type: row },
      // What the views read of `source`; the SerDe skips the other fields (and `transaction`).
      {
        name: "source",
        type: {
          kind: "struct",
          fields: [
            { name: "lsn", type: { kind: "scalar", name: "bigint" } },
            { name: "ts_ms", type: { kind: "scalar", name: "bigint" } },
          ],
        },
      },
      { name: "op", type: { kind: "scalar", name: "string" } },
      { name: "ts_ms", type: { kind: "scalar", name: "bigint" } },
    ],
  };
}

function tableColumns(source: LakeViewSource): { name: string; type: StoredType }[] {
  const envelope = envelopeType(source);
  if (source.jsonSchemas) return [{ name: "payload", type: envelope }];
  if (envelope.kind !== "struct") throw new Error("unreachable: the envelope is a struct");
  return envelope.fields.map((f) => ({ name: f.name, type: f.type }));
}

/**
 * The Glue table's columns (Hive types), partition keys aside: the envelope's fields, or one `payload` struct
 * when the lines carry their schema (the SerDe skips `schema`).
 */
export function lakeTableColumns(
  source: LakeViewSource,
): readonly { readonly name: string; readonly type: string }[] {
  return glueColumns(source);
}

const glueColumns = once((source) =>
  tableColumns(source).map((c) => ({ name: c.name, type: hiveType(c.type) })),
);

/**
 * A DuckDB relation over a local copy of the lake that reads what the Glue table reads: read_json over `glob`
 * (the topic's directory, four partition levels, then `*.json`) with the same columns, and the hourly
 * partitions (year, month, day, hour) as columns, strings as in Glue (no autocast: `month=01` stays `01`).
 */
export function duckdbLakeRelation(glob: string, source: LakeViewSource): string {
  const columns = tableColumns(source)
    .map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(duckdbStoredType(c.type, quoteIdent))}`)
    .join(", ");
  return `read_json(${quoteLiteral(glob)}, format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, columns = {${columns}})`;
}

/** What verify reads back through the lake's catalog: its canary change, in one folder of the canary's topic. */
export interface CanaryQuery {
  /** The canary table's changes view, quoted: `"db"."<view>"`, or a DuckDB relation in tests. */
  readonly relation: string;
  /** The folder the canary's object is in: each partition key and its value (`["year", "2026"]`…). */
  readonly folder: readonly (readonly [string, string])[];
  /** The token verify wrote in the canary row's `token` column. */
  readonly token: string;
}

/**
 * The canary's change through its changes view: operation, commit time and token, filtered on the folder (so
 * Athena reads that one folder, through the table's partition projection) and on the token. The canary's
 * columns are not in the config, so its rows are string maps (`after['token']`).
 */
export function canaryQuerySql(query: CanaryQuery, dialect: SqlDialect): string {
  const d = DIALECTS[dialect];
  assertSafeText(query.token, "canary token");
  if (query.folder.length === 0)
    throw new Error("canary query got no folder; expected the partition keys of the canary's object");
  const folder = query.folder.map(([key, value]) => {
    assertSafeText(key, "partition key");
    if (!/^\d+$/.test(value))
      throw new Error(
        `canary query got ${JSON.stringify(value)} for partition ${key}; expected digits (the sink's folders)`,
      );
    return `${quoteIdent(key)} = ${quoteLiteral(value)}`;
  });
  const token = d.mapGet(quoteIdent("after"), quoteLiteral("token"));
  return [
    `SELECT ${quoteIdent("operation")}, ${quoteIdent("event_time")}, ${token} AS ${quoteIdent("token")}`,
    `FROM ${checkedRelation(query.relation)}`,
    `WHERE ${[...folder, `${token} = ${quoteLiteral(query.token)}`].join(" AND ")}`,
  ].join("\n");
}
