/**
 * Turns decoded pgoutput changes into the change events Debezium 2.3's PostgreSQL connector emits with this
 * project's settings, as the S3 sink writes them: one JSON line per event, in hourly partitions. Written from
 * Debezium's documentation and sources, independently of src/sql/lake-types.ts, so a wrong mapping there
 * shows up as a difference here.
 * @see https://debezium.io/documentation/reference/2.3/connectors/postgresql.html#postgresql-events
 * @see https://debezium.io/documentation/reference/2.3/connectors/postgresql.html#postgresql-data-types
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Column, Relation } from "../support/pgoutput";
import { type Change, decodeChanges } from "../support/pgoutput";

/** A column as the test table declares it: PostgreSQL's type name and fractional-seconds precision. */
export interface TableColumn {
  readonly name: string;
  readonly base: string;
  readonly precision?: number;
}

/** A row of pg_logical_slot_get_binary_changes. */
export interface SlotRow {
  readonly lsn: string;
  readonly data: Buffer;
}

export interface PositionedChange {
  readonly change: Change;
  /** The change record's LSN (Debezium's source.lsn). */
  readonly lsn: bigint;
  /** Its transaction's commit time, from the Begin message (Debezium's source.ts_ms). */
  readonly commitTimeMs: number;
  readonly xid: number;
}

/** `16/B374D848` as a number, as Debezium's source.lsn holds it. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split("/");
  if (hi === undefined || lo === undefined) throw new Error(`LSN got ${lsn}; expected hi/lo in hex`);
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** PostgreSQL's epoch (2000-01-01) in Unix microseconds: pgoutput's timestamps count from it. */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/**
 * Pairs each decoded row change with its LSN and its transaction (Begin: final LSN, commit timestamp, xid).
 * decodeChanges yields exactly one change per I, U or D message, in order.
 */
export function positionedChanges(rows: readonly SlotRow[]): PositionedChange[] {
  const changes = decodeChanges(rows.map((r) => r.data));
  const out: PositionedChange[] = [];
  let commitTimeMs = Number.NaN;
  let xid = -1;
  for (const row of rows) {
    const type = String.fromCharCode(row.data.readUInt8(0));
    if (type === "B") {
      commitTimeMs = Number((row.data.readBigInt64BE(9) + PG_EPOCH_MICROS) / 1000n);
      xid = row.data.readInt32BE(17);
    } else if (type === "I" || type === "U" || type === "D") {
      const change = changes[out.length];
      if (!change) throw new Error(`pgoutput got a ${type} message without a decoded change`);
      out.push({ change, lsn: lsnToBigInt(row.lsn), commitTimeMs, xid });
    }
  }
  if (out.length !== changes.length) throw new Error(`paired ${out.length} of ${changes.length} changes`);
  return out;
}

const DAY_MS = 86_400_000;

/** `2024-03-01 10:00:00.123456` (PostgreSQL's text output of timestamp) as microseconds since 1970, read as UTC. */
function timestampMicros(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`timestamp got ${text}; expected YYYY-MM-DD HH:MM:SS[.ffffff]`);
  const [, y, mo, d, h, mi, s, frac = ""] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return ms * 1000 + Number(frac.padEnd(6, "0"));
}

/**
 * A column's text value (pgoutput's text format, or `::text` in the snapshot) as Debezium writes it into JSON
 * with decimal.handling.mode=string and the default time.precision.mode=adaptive.
 */
export function debeziumValue(column: TableColumn, text: string | null): unknown {
  if (text === null) return null;
  switch (column.base) {
    case "smallint":
    case "integer":
    case "bigint":
      return Number(text);
    case "boolean":
      return text === "t";
    case "text":
    case "character varying":
    case "numeric": // string mode: BigDecimal.toPlainString keeps the scale, as PostgreSQL's output does
      return text;
    case "date": // io.debezium.time.Date: days since the epoch
      return (
        Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10))) / DAY_MS
      );
    case "timestamp without time zone": {
      // adaptive: precision 0-3 → io.debezium.time.Timestamp (millis), else MicroTimestamp (micros)
      const micros = timestampMicros(text);
      return column.precision !== undefined && column.precision <= 3 ? Math.floor(micros / 1000) : micros;
    }
    default:
      throw new Error(`test helper got column type ${column.base}; expected one it converts`);
  }
}

function image(columns: readonly TableColumn[], row: Record<string, Column> | undefined) {
  if (row === undefined) return null;
  return Object.fromEntries(
    columns.map((c) => {
      const value = row[c.name];
      if (value === undefined) throw new Error(`row lacks column ${c.name}`);
      if (typeof value === "object" && value !== null) throw new Error(`unchanged TOAST value in ${c.name}`);
      return [c.name, debeziumValue(c, value)];
    }),
  );
}

export type Op = "r" | "c" | "u" | "d";

export interface Envelope {
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly source: Record<string, unknown>;
  readonly op: Op;
  /** When Debezium processed the event; the sink's record time (timestamp.extractor=Record) follows it. */
  readonly ts_ms: number;
  readonly transaction: null;
}

export interface TableEvents {
  readonly topicPrefix: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly TableColumn[];
  readonly keyColumns: readonly string[];
}

/** Debezium's processing clock, simulated: each call is a later instant (spread over hours to fill partitions). */
export type Clock = () => number;

function sourceBlock(
  t: TableEvents,
  at: { lsn: bigint; tsMs: number; xid: number | null; snapshot: string },
) {
  return {
    version: "2.3.7.Final",
    connector: "postgresql",
    name: t.topicPrefix,
    ts_ms: at.tsMs,
    snapshot: at.snapshot,
    db: t.database,
    sequence: JSON.stringify([null, String(at.lsn)]),
    schema: t.schema,
    table: t.table,
    txId: at.xid,
    lsn: Number(at.lsn),
    xmin: null,
  };
}

/** The snapshot's read events ('r'): the rows present when the slot was created, at the slot's LSN. */
export function snapshotEvents(
  t: TableEvents,
  rows: readonly Record<string, string | null>[],
  at: { lsn: bigint; tsMs: number },
  clock: Clock,
): Envelope[] {
  return rows.map((row, i) => ({
    before: null,
    after: image(t.columns, row),
    source: sourceBlock(t, { ...at, xid: null, snapshot: i === rows.length - 1 ? "last" : "true" }),
    op: "r",
    ts_ms: clock(),
    transaction: null,
  }));
}

/**
 * The streamed events of one table, as RelationalChangeRecordEmitter emits them: insert → c; update → u (before
 * = the old row when pgoutput sent one: REPLICA IDENTITY FULL, or the key-only tuple); an update that changes
 * the key → d of the old key then c of the new one, same LSN; delete → d (before = the whole old row with FULL,
 * the key columns and nulls with DEFAULT).
 */
export function streamedEvents(
  t: TableEvents,
  changes: readonly PositionedChange[],
  clock: Clock,
): Envelope[] {
  const events: Envelope[] = [];
  const sameTable = (r: Relation) => r.schema === t.schema && r.table === t.table;
  const keyOf = (row: Record<string, unknown> | null) => JSON.stringify(t.keyColumns.map((k) => row?.[k]));
  for (const { change, lsn, commitTimeMs, xid } of changes) {
    if (!sameTable(change.relation)) continue;
    const source = sourceBlock(t, { lsn, tsMs: commitTimeMs, xid, snapshot: "false" });
    const event = (op: Op, before: Envelope["before"], after: Envelope["after"]): Envelope => ({
      before,
      after,
      source,
      op,
      ts_ms: clock(),
      transaction: null,
    });
    if (change.kind === "insert") events.push(event("c", null, image(t.columns, change.newRow)));
    else if (change.kind === "delete") events.push(event("d", image(t.columns, change.oldRow), null));
    else {
      const before = image(t.columns, change.oldRow);
      const after = image(t.columns, change.newRow);
      if (before !== null && keyOf(before) !== keyOf(after)) {
        events.push(event("d", before, null));
        events.push(event("c", null, after));
      } else events.push(event("u", before, after));
    }
  }
  return events;
}

/**
 * A line: the envelope, or `{schema, payload}` as the JsonConverter writes it with schemas.enable (the shape a
 * sink writing records verbatim leaves; the Confluent sink's JsonFormat writes the bare envelope either way).
 */
export function sinkLine(t: TableEvents, envelope: Envelope, jsonSchemas: boolean): string {
  if (!jsonSchemas) return JSON.stringify(envelope);
  const row = (field: string) => ({
    type: "struct",
    optional: true,
    name: `${t.topicPrefix}.${t.schema}.${t.table}.Value`,
    field,
    fields: t.columns.map((c) => ({
      field: c.name,
      optional: !t.keyColumns.includes(c.name),
      type: "string",
    })),
  });
  const schema = {
    type: "struct",
    optional: false,
    name: `${t.topicPrefix}.${t.schema}.${t.table}.Envelope`,
    version: 1,
    fields: [
      row("before"),
      row("after"),
      { type: "struct", optional: false, name: "io.debezium.connector.postgresql.Source", field: "source" },
      { type: "string", optional: false, field: "op" },
      { type: "int64", optional: true, field: "ts_ms" },
    ],
  };
  return JSON.stringify({ schema, payload: envelope });
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `year=2024/month=03/day=01/hour=22`: path.format of the sink, in UTC. */
export function hourPartition(timeMs: number): string {
  const d = new Date(timeMs);
  return `year=${d.getUTCFullYear()}/month=${pad2(d.getUTCMonth() + 1)}/day=${pad2(d.getUTCDate())}/hour=${pad2(d.getUTCHours())}`;
}

/**
 * Writes the topic's events as the S3 sink would under `root`: `cdc/<topic>/<hour partition>/<topic>+0+<start
 * offset, 10 digits>.json`, a new object when the partition changes or after `flushSize` records. Returns the
 * files' paths relative to root.
 */
export function writeSinkFiles(
  root: string,
  topic: string,
  records: readonly { readonly line: string; readonly recordTimeMs: number }[],
  flushSize: number,
): string[] {
  const files: { path: string; lines: string[] }[] = [];
  records.forEach((r, offset) => {
    const dir = join("cdc", topic, hourPartition(r.recordTimeMs));
    const last = files.at(-1);
    if (last?.path.startsWith(`${dir}/`) && last.lines.length < flushSize) last.lines.push(r.line);
    else
      files.push({ path: join(dir, `${topic}+0+${String(offset).padStart(10, "0")}.json`), lines: [r.line] });
  });
  for (const f of files) {
    mkdirSync(join(root, f.path, ".."), { recursive: true });
    writeFileSync(join(root, f.path), `${f.lines.join("\n")}\n`);
  }
  return files.map((f) => f.path);
}
