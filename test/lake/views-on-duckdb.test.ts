/**
 * The lake views on a real engine: changes made on PostgreSQL 15, decoded from a pgoutput slot, turned into the
 * events Debezium writes (test/lake/debezium-envelope.ts) and laid out as the S3 sink lays them out, then
 * queried with DuckDB through the views rendered for "duckdb". The current state must equal the table.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SINK_PARTITIONING } from "../../src/kafka-connect/s3-sink-settings";
import { type Column, renderColumns } from "../../src/sql/columns";
import {
  canaryQuerySql,
  changesViewSql,
  currentStateViewSql,
  duckdbLakeRelation,
  type LakeViewSource,
  viewColumns,
} from "../../src/sql/lake-views";
import { quoteIdent } from "../../src/sql/quote";
import { folderOf } from "../../src/verify/lake-query";
import { describeWithPostgres } from "../support/pg-tier";
import { ThrowawayPostgres } from "../support/postgres";
import {
  type Envelope,
  hourPartition,
  lsnToBigInt,
  type PositionedChange,
  positionedChanges,
  type SlotRow,
  sinkLine,
  snapshotEvents,
  streamedEvents,
  type TableEvents,
  writeSinkFiles,
} from "./debezium-envelope";

const COLUMNS: Column[] = [
  { name: "id", type: { base: "integer", arrayDimensions: 0 }, nullable: false, primaryKey: true },
  { name: "name", type: { base: "text", arrayDimensions: 0 }, nullable: true, primaryKey: false },
  {
    name: "balance",
    type: { base: "numeric", precision: 12, scale: 2, arrayDimensions: 0 },
    nullable: true,
    primaryKey: false,
  },
  {
    name: "opened_at",
    type: { base: "timestamp without time zone", arrayDimensions: 0 },
    nullable: true,
    primaryKey: false,
  },
  { name: "active", type: { base: "boolean", arrayDimensions: 0 }, nullable: true, primaryKey: false },
  { name: "born", type: { base: "date", arrayDimensions: 0 }, nullable: true, primaryKey: false },
  {
    name: "seen_at",
    type: { base: "timestamp without time zone", precision: 3, arrayDimensions: 0 },
    nullable: true,
    primaryKey: false,
  },
];

const TABLES = { full: "accounts_full", default: "accounts_default" } as const;
type Identity = keyof typeof TABLES;
const TOPIC_PREFIX = "demo";
const topicOf = (table: string) => `${TOPIC_PREFIX}.public.${table}`;

/** Statements run on both tables ({t}), each array one transaction. */
const SCENARIO: readonly (readonly string[])[] = [
  // First a snapshot row: its change may sit at the snapshot's very LSN, and must still win.
  ["UPDATE {t} SET balance = balance + 0.05, active = false WHERE id = 1"],
  [
    "INSERT INTO {t} VALUES (4, 'dora', 40.00, '2024-02-29 23:59:59.999999', true, '2000-02-29', '2024-01-01 00:00:00.123')," +
      " (5, 'eve', 0.01, '1969-12-31 23:59:59.5', false, '1969-12-31', '1969-12-31 23:59:59.999')",
  ],
  ["DELETE FROM {t} WHERE id = 2"],
  // A key change: Debezium emits a delete of 3 and an insert of 30.
  ["UPDATE {t} SET id = 30, name = 'carol (moved)' WHERE id = 3"],
  // Several changes to the same rows in one transaction.
  [
    "INSERT INTO {t} VALUES (6, 'frank', 6.00, '2024-06-01 12:00:00', true, '1990-06-01', '2024-06-01 12:00:00.5')",
    "UPDATE {t} SET name = 'franklin' WHERE id = 6",
    "UPDATE {t} SET balance = 6.66 WHERE id = 6",
    "DELETE FROM {t} WHERE id = 5",
    "INSERT INTO {t} VALUES (5, 'eve again', 5.50, '2025-01-01 00:00:00.000001', NULL, '2025-01-01', NULL)",
    "UPDATE {t} SET name = 'ann' WHERE id = 1",
  ],
  ["UPDATE {t} SET name = NULL, opened_at = NULL, born = NULL, seen_at = NULL WHERE id = 4"],
  // The key back: a delete of 30 and an insert of 3.
  ["UPDATE {t} SET id = 3 WHERE id = 30"],
];

/** What the changes view must list for each table, in (lsn, ts_ms) order: operation and the row's key. */
const EXPECTED_CHANGES: readonly [string, number][] = [
  ["snapshot read", 1],
  ["snapshot read", 2],
  ["snapshot read", 3],
  ["update", 1],
  ["insert", 4],
  ["insert", 5],
  ["delete", 2],
  ["delete", 3],
  ["insert", 30],
  ["insert", 6],
  ["update", 6],
  ["update", 6],
  ["delete", 5],
  ["insert", 5],
  ["update", 1],
  ["update", 4],
  ["delete", 30],
  ["insert", 3],
];

/** PostgreSQL's final rows, formatted as the DuckDB query below formats the view's. */
const PG_ROWS = (table: string) =>
  `SELECT id, name, balance::text AS balance, to_char(opened_at, 'YYYY-MM-DD HH24:MI:SS.US') AS opened_at, active,` +
  ` born::text AS born, to_char(seen_at, 'YYYY-MM-DD HH24:MI:SS.MS') AS seen_at FROM ${quoteIdent(table)} ORDER BY id`;
const VIEW_ROWS = (view: string) =>
  `SELECT id, name, balance, strftime(opened_at, '%Y-%m-%d %H:%M:%S.%f') AS opened_at, active,` +
  ` CAST(born AS varchar) AS born, strftime(seen_at, '%Y-%m-%d %H:%M:%S.%g') AS seen_at FROM ${view} ORDER BY id`;

/** 2024-12-31 22:40 UTC, then 9 minutes per event: the events span hours, a day, a month and a year. */
const CLOCK_START = Date.UTC(2024, 11, 31, 22, 40);
const clockFrom = (start: number) => {
  let next = start;
  return () => {
    const now = next;
    next += 9 * 60_000;
    return now;
  };
};

describeWithPostgres("lake views on DuckDB over Debezium events of PostgreSQL 15 changes", (bin) => {
  let server: ThrowawayPostgres;
  let client: Client;
  let instance: DuckDBInstance;
  let duck: DuckDBConnection;
  const lake = mkdtempSync(join(tmpdir(), "cdc-lake-views-"));
  const events = {} as Record<Identity, Envelope[]>;
  const finalRows = {} as Record<Identity, Record<string, unknown>[]>;
  const files = {} as Record<string, string[]>;
  let testStart = 0;
  let testEnd = 0;

  const tableEvents = (table: string): TableEvents => ({
    topicPrefix: TOPIC_PREFIX,
    database: "postgres",
    schema: "public",
    table,
    columns: COLUMNS.map((c) => ({ name: c.name, base: c.type.base, precision: c.type.precision })),
    keyColumns: ["id"],
  });
  const rootOf = (jsonSchemas: boolean) => join(lake, jsonSchemas ? "with-schemas" : "plain");
  const source = (identity: Identity, jsonSchemas: boolean, typed = true): LakeViewSource => {
    const base = {
      relation: "",
      jsonSchemas,
      keyColumns: ["id"],
      partitionKeys: SINK_PARTITIONING.fields,
      ...(typed ? { columns: COLUMNS } : {}),
    };
    const glob = join(rootOf(jsonSchemas), "cdc", topicOf(TABLES[identity]), "*", "*", "*", "*", "*.json");
    return { ...base, relation: duckdbLakeRelation(glob, base) };
  };
  const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJson();

  beforeAll(async () => {
    testStart = Date.now();
    server = await ThrowawayPostgres.start(bin);
    client = await server.connect(server.superuserParams());
    for (const [identity, table] of Object.entries(TABLES)) {
      await client.query(`CREATE TABLE ${quoteIdent(table)} (${renderColumns(COLUMNS)})`);
      if (identity === "full") await client.query(`ALTER TABLE ${quoteIdent(table)} REPLICA IDENTITY FULL`);
      await client.query(
        `INSERT INTO ${quoteIdent(table)} VALUES (1, 'ann', 10.10, '2024-03-01 10:00:00.123456', true, '1980-01-02', '2024-03-01 10:00:00.001'),` +
          " (2, 'bob', 20.00, '2024-03-01 11:30:00', false, NULL, NULL), (3, 'carol', -3.50, NULL, NULL, '2038-01-19', '2038-01-19 03:14:07.999')",
      );
    }
    await client.query(
      `CREATE PUBLICATION lake_pub FOR TABLE ${Object.values(TABLES).map(quoteIdent).join(", ")}`,
    );
    const slot = await client.query(
      "SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot('lake_slot', 'pgoutput')",
    );
    const slotLsn = lsnToBigInt(slot.rows[0].lsn);
    // The snapshot: the rows present when the slot was created, as text (pgoutput's format too).
    const snapshots = {} as Record<Identity, Record<string, string | null>[]>;
    for (const [identity, table] of Object.entries(TABLES) as [Identity, string][])
      snapshots[identity] = (
        await client.query(
          `SELECT ${COLUMNS.map((c) => `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}`).join(", ")} FROM ${quoteIdent(table)} ORDER BY id`,
        )
      ).rows;
    const snapshotTime = Date.now();
    for (const statements of SCENARIO) {
      await client.query("BEGIN");
      for (const statement of statements)
        for (const table of Object.values(TABLES))
          await client.query(statement.replaceAll("{t}", quoteIdent(table)));
      await client.query("COMMIT");
    }
    const slotRows: SlotRow[] = (
      await client.query(
        "SELECT lsn::text AS lsn, data FROM pg_logical_slot_get_binary_changes('lake_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'lake_pub')",
      )
    ).rows;
    const changes: PositionedChange[] = positionedChanges(slotRows);
    for (const [identity, table] of Object.entries(TABLES) as [Identity, string][]) {
      const clock = clockFrom(CLOCK_START);
      const t = tableEvents(table);
      events[identity] = [
        ...snapshotEvents(t, snapshots[identity], { lsn: slotLsn, tsMs: snapshotTime }, clock),
        ...streamedEvents(t, changes, clock),
      ];
      finalRows[identity] = (await client.query(PG_ROWS(table))).rows;
      for (const jsonSchemas of [false, true]) {
        const records = events[identity].map((e) => ({
          line: sinkLine(t, e, jsonSchemas),
          recordTimeMs: e.ts_ms,
        }));
        files[`${identity}/${jsonSchemas}`] = writeSinkFiles(rootOf(jsonSchemas), topicOf(table), records, 4);
      }
    }
    testEnd = Date.now();
    instance = await DuckDBInstance.create(":memory:");
    duck = await instance.connect();
    // Offline and local: no extension downloads (JSON is built into the npm binary).
    await duck.run("SET autoinstall_known_extensions = false");
  });

  afterAll(async () => {
    duck?.closeSync();
    instance?.closeSync();
    await client?.end();
    server?.stop();
    rmSync(lake, { recursive: true, force: true });
  });

  it("lays the events out as the sink does: hourly partitions by record time, several objects", () => {
    const paths = files["full/false"] ?? [];
    const topic = topicOf(TABLES.full);
    expect(paths.length).toBeGreaterThan(4);
    for (const path of paths)
      expect(path).toMatch(
        new RegExp(
          `^cdc/${topic.replaceAll(".", "\\.")}/year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/${topic.replaceAll(".", "\\.")}\\+0\\+\\d{10}\\.json$`,
        ),
      );
    const partitions = [...new Set(paths.map((p) => p.split("/").slice(2, 6).join("/")))];
    expect(partitions).toEqual([
      "year=2024/month=12/day=31/hour=22",
      "year=2024/month=12/day=31/hour=23",
      "year=2025/month=01/day=01/hour=00",
      "year=2025/month=01/day=01/hour=01",
    ]);
    // Each line sits in the partition of its own record time.
    for (const path of paths)
      for (const line of readFileSync(join(rootOf(false), path), "utf8")
        .trim()
        .split("\n"))
        expect(path).toContain(`/${hourPartition(JSON.parse(line).ts_ms)}/`);
    const lines = paths.flatMap((p) =>
      readFileSync(join(rootOf(false), p), "utf8")
        .trim()
        .split("\n"),
    );
    expect(lines).toHaveLength(EXPECTED_CHANGES.length);
    expect(readdirSync(join(rootOf(true), "cdc")).sort()).toEqual([
      topicOf(TABLES.default),
      topicOf(TABLES.full),
    ]);
  });

  it("writes the events Debezium writes: typed values, FULL before-images, key-only before-images with DEFAULT", () => {
    const full = events.full;
    const def = events.default;
    // The first insert, typed as Debezium writes it (MicroTimestamp, Date, Timestamp millis, numeric as string).
    expect(full[4]).toMatchObject({
      op: "c",
      before: null,
      after: {
        id: 4,
        name: "dora",
        balance: "40.00",
        opened_at: Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999,
        active: true,
        born: Date.UTC(2000, 1, 29) / 86_400_000,
        seen_at: Date.UTC(2024, 0, 1) + 123,
      },
    });
    // The delete of 2: the whole old row with FULL, only the key with DEFAULT.
    expect(full[6]).toMatchObject({ op: "d", after: null, before: { id: 2, name: "bob", balance: "20.00" } });
    expect(def[6]).toMatchObject({
      op: "d",
      after: null,
      before: { id: 2, name: null, balance: null, opened_at: null, active: null, born: null, seen_at: null },
    });
    // A plain update: the old row with FULL, none with DEFAULT.
    expect(full[3]?.before).toMatchObject({ id: 1, balance: "10.10" });
    expect(def[3]).toMatchObject({
      op: "u",
      before: null,
      after: { id: 1, balance: "10.15", active: false },
    });
    // The key change: a delete and an insert at one LSN.
    expect([full[7]?.op, full[8]?.op, full[7]?.source.lsn === full[8]?.source.lsn]).toEqual(["d", "c", true]);
  });

  for (const jsonSchemas of [false, true])
    for (const identity of ["full", "default"] as const)
      it(`current state equals the table (${identity} replica identity, jsonSchemas ${jsonSchemas})`, async () => {
        const view = `current_${identity}_${jsonSchemas}`;
        await duck.run(
          `CREATE VIEW ${view} AS ${currentStateViewSql(source(identity, jsonSchemas), "duckdb")}`,
        );
        const rows = await query(VIEW_ROWS(view));
        expect(rows).toEqual(finalRows[identity]);
        expect(rows.map((r) => r.id)).toEqual([1, 3, 4, 5, 6]);
        // The view's columns: named as viewColumns says, typed as the conversions promise.
        const described = await query(`DESCRIBE ${view}`);
        expect(described.map((c) => c.column_name)).toEqual(
          viewColumns(source(identity, jsonSchemas), "current-state").map((c) => c.name),
        );
        expect(described.map((c) => c.column_type)).toEqual([
          "INTEGER",
          "VARCHAR",
          "VARCHAR",
          "TIMESTAMP",
          "BOOLEAN",
          "DATE",
          "TIMESTAMP_MS",
          "BIGINT",
          "BIGINT",
          "TIMESTAMP_MS",
        ]);
        // The metadata: each row's last event.
        const meta = await query(`SELECT id, _cdc_lsn, _cdc_ts_ms FROM ${view} ORDER BY id`);
        const last = (id: number) =>
          events[identity].filter((e) => (e.after ?? e.before)?.id === id && e.op !== "d").at(-1);
        expect(meta).toEqual(
          [1, 3, 4, 5, 6].map((id) => ({
            id,
            _cdc_lsn: String(last(id)?.source.lsn),
            _cdc_ts_ms: String(last(id)?.ts_ms),
          })),
        );
      });

  for (const jsonSchemas of [false, true])
    for (const identity of ["full", "default"] as const)
      it(`changes lists every event in LSN order with its operation (${identity}, jsonSchemas ${jsonSchemas})`, async () => {
        const view = `changes_${identity}_${jsonSchemas}`;
        await duck.run(`CREATE VIEW ${view} AS ${changesViewSql(source(identity, jsonSchemas), "duckdb")}`);
        const rows = await query(
          `SELECT operation, coalesce(after_id, before_id) AS id, lsn, epoch_ms(event_time) AS event_ms, before_name FROM ${view} ORDER BY lsn, ts_ms`,
        );
        expect(rows.map((r) => [r.operation, r.id])).toEqual(EXPECTED_CHANGES);
        const lsns = rows.map((r) => BigInt(String(r.lsn)));
        expect(lsns.every((l, i) => i === 0 || l >= (lsns[i - 1] ?? 0n))).toBe(true);
        // Snapshot reads share the slot's LSN; streamed events come at or after it (the first change can sit
        // at the slot's very LSN: ts_ms then orders it after the snapshot, as Debezium processed it).
        expect(new Set(lsns.slice(0, 3)).size).toBe(1);
        expect(lsns[3]).toBeGreaterThanOrEqual(lsns[0] ?? 0n);
        expect(lsns[4]).toBeGreaterThan(lsns[0] ?? 0n);
        // Event time is the commit time: within the test run, and one instant for one transaction.
        const times = rows.map((r) => Number(r.event_ms));
        for (const t of times) expect(t >= testStart - 1000 && t <= testEnd).toBe(true);
        expect(new Set(times.slice(9, 15)).size).toBe(1);
        // Before-images of deletes: whole with FULL, key only with DEFAULT.
        const deletes = rows.filter((r) => r.operation === "delete").map((r) => r.before_name);
        expect(deletes).toEqual(
          identity === "full" ? ["bob", "carol", "eve", "carol (moved)"] : [null, null, null, null],
        );
        const described = await query(`DESCRIBE ${view}`);
        expect(described.map((c) => c.column_name)).toEqual(
          viewColumns(source(identity, jsonSchemas), "changes").map((c) => c.name),
        );
        expect(described.slice(0, 4).map((c) => c.column_type)).toEqual([
          "VARCHAR",
          "TIMESTAMP_MS",
          "BIGINT",
          "BIGINT",
        ]);
        // The folder of each event, as strings the sink wrote (zero-padded), and a filter on them reads one day.
        expect(described.slice(-4).map((c) => [c.column_name, c.column_type])).toEqual(
          SINK_PARTITIONING.fields.map((f) => [f, "VARCHAR"]),
        );
        const folders = await query(
          `SELECT ts_ms, concat('year=', "year", '/month=', "month", '/day=', "day", '/hour=', "hour") AS folder FROM ${view} ORDER BY lsn, ts_ms`,
        );
        expect(folders.map((r) => r.folder)).toEqual(events[identity].map((e) => hourPartition(e.ts_ms)));
        const newYearsDay = await query(
          `SELECT count(*) AS n FROM ${view} WHERE "year" = '2025' AND "month" = '01' AND "day" = '01'`,
        );
        const expected = events[identity].filter((e) =>
          hourPartition(e.ts_ms).startsWith("year=2025/month=01/day=01/"),
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(events[identity].length);
        expect(newYearsDay).toEqual([{ n: String(expected.length) }]);
      });

  for (const jsonSchemas of [false, true])
    it(`without known columns the rows are string maps, and the current state still equals the table (jsonSchemas ${jsonSchemas})`, async () => {
      const s = source("default", jsonSchemas, false);
      const rows = await query(
        `SELECT id, map_extract_value(_cdc_row, 'name') AS name, map_extract_value(_cdc_row, 'balance') AS balance FROM (${currentStateViewSql(s, "duckdb")}) ORDER BY CAST(id AS integer)`,
      );
      expect(rows).toEqual(
        finalRows.default.map((r) => ({ id: String(r.id), name: r.name, balance: r.balance })),
      );
      const changes = await query(
        `SELECT operation, coalesce(map_extract_value("after", 'id'), map_extract_value("before", 'id')) AS id FROM (${changesViewSql(s, "duckdb")}) ORDER BY lsn, ts_ms`,
      );
      expect(changes.map((r) => [r.operation, Number(r.id)])).toEqual(EXPECTED_CHANGES);
    });
});

describe("lake views on DuckDB: which event of a row is the latest", () => {
  const row = (id: number, name: string) => ({ id, name });
  const event = (
    op: "r" | "c" | "u" | "d",
    lsn: number,
    tsMs: number,
    before: object | null,
    after: object | null,
  ) => ({
    before,
    after,
    source: { lsn, ts_ms: tsMs },
    op,
    ts_ms: tsMs,
    transaction: null,
  });

  /** The current state of a table (id, name) whose events are `events`, laid out as the sink lays them out. */
  async function currentState(
    events: readonly ReturnType<typeof event>[],
  ): Promise<Record<string, unknown>[]> {
    const dir = mkdtempSync(join(tmpdir(), "cdc-lake-order-"));
    const instance = await DuckDBInstance.create(":memory:");
    const duck = await instance.connect();
    try {
      const records = events.map((e) => ({ line: JSON.stringify(e), recordTimeMs: e.ts_ms }));
      writeSinkFiles(dir, "demo.public.order", records, 2);
      const base = {
        relation: "",
        jsonSchemas: false,
        keyColumns: ["id"],
        columns: [
          { name: "id", type: { base: "integer", arrayDimensions: 0 } },
          { name: "name", type: { base: "text", arrayDimensions: 0 } },
        ],
        partitionKeys: SINK_PARTITIONING.fields,
      };
      const glob = join(dir, "cdc", "demo.public.order", "*", "*", "*", "*", "*.json");
      const sql = currentStateViewSql({ ...base, relation: duckdbLakeRelation(glob, base) }, "duckdb");
      return (
        await duck.runAndReadAll(`SELECT id, name, _cdc_lsn FROM (${sql}) ORDER BY id`)
      ).getRowObjectsJson();
    } finally {
      duck.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("orders by LSN, then by ts_ms when a snapshot read and a change share an LSN; drops rows last deleted", async () => {
    // The first streamed change of a row can sit at the snapshot's LSN (the first record after the slot's
    // consistent point): Debezium processed it after the snapshot, so it wins on ts_ms.
    const rows = await currentState([
      event("r", 100, 1_000, null, row(1, "snapshot")),
      event("r", 100, 1_001, null, row(2, "snapshot")),
      event("r", 100, 1_002, null, row(3, "snapshot")),
      event("u", 100, 1_003, null, row(1, "changed at the snapshot's LSN")),
      event("d", 150, 1_004, row(2, "snapshot"), null),
      event("u", 130, 1_005, null, row(3, "newer LSN")),
      event("u", 120, 1_006, null, row(3, "older LSN, processed later")),
    ]);
    expect(rows).toEqual([
      { id: 1, name: "changed at the snapshot's LSN", _cdc_lsn: "100" },
      { id: 3, name: "newer LSN", _cdc_lsn: "130" },
    ]);
  });

  it("a change emitted after the row's snapshot read wins over it even with a lower LSN; a re-snapshot wins over older changes", async () => {
    const rows = await currentState([
      // Snapshot 1 at LSN 1000.
      event("r", 1000, 10_000, null, row(1, "snapshot 1")),
      event("r", 1000, 10_001, null, row(2, "snapshot 1")),
      event("r", 1000, 10_002, null, row(3, "snapshot 1")),
      // A transaction that began before the slot's consistent point and committed after it: streamed after
      // the snapshot, its change LSN below the snapshot's.
      event("u", 990, 10_500, null, row(1, "in flight at snapshot 1")),
      event("u", 1200, 11_000, null, row(2, "streamed after snapshot 1")),
      event("u", 1300, 11_500, null, row(3, "streamed, then lost with the slot")),
      // The slot is lost; snapshot 2 at LSN 5000 brings rows 2 and 3 back as they are now.
      event("r", 5000, 50_000, null, row(2, "snapshot 2")),
      event("r", 5000, 50_001, null, row(3, "snapshot 2")),
      // A transaction in flight at snapshot 2, streamed after it with a lower LSN.
      event("u", 4990, 50_500, null, row(3, "in flight at snapshot 2")),
      event("c", 5100, 51_000, null, row(4, "inserted after snapshot 2")),
    ]);
    expect(rows.map((r) => [r.id, r.name])).toEqual([
      [1, "in flight at snapshot 1"],
      [2, "snapshot 2"],
      [3, "in flight at snapshot 2"],
      [4, "inserted after snapshot 2"],
    ]);
  });
});

describe("the canary query verify sends Athena, run on DuckDB", () => {
  it("finds the canary's change by its folder and token, and nothing for another folder or token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cdc-lake-canary-"));
    const instance = await DuckDBInstance.create(":memory:");
    const duck = await instance.connect();
    try {
      // The canary table (id, token, written_at): its columns are not in the config, so its rows are maps.
      const change = (op: "c" | "u", token: string, tsMs: number) => ({
        before: null,
        after: { id: 1, token, written_at: tsMs * 1000 },
        source: { lsn: tsMs, ts_ms: tsMs },
        op,
        ts_ms: tsMs,
        transaction: null,
      });
      const first = Date.UTC(2026, 11, 2, 23, 58);
      const second = Date.UTC(2026, 11, 3, 0, 3);
      const records = [change("c", "token-1", first), change("u", "token-2", second)].map((e) => ({
        line: JSON.stringify(e),
        recordTimeMs: e.ts_ms + 2_000,
      }));
      const topic = "demo.cdc.cdc_lake_canary";
      const [firstKey, secondKey] = writeSinkFiles(dir, topic, records, 10);
      const base = {
        relation: "",
        jsonSchemas: false,
        keyColumns: ["id"],
        partitionKeys: SINK_PARTITIONING.fields,
      };
      const glob = join(dir, "cdc", topic, "*", "*", "*", "*", "*.json");
      await duck.run(
        `CREATE VIEW canary_changes AS ${changesViewSql({ ...base, relation: duckdbLakeRelation(glob, base) }, "duckdb")}`,
      );
      const run = async (key: string | undefined, token: string) =>
        (
          await duck.runAndReadAll(
            canaryQuerySql({ relation: "canary_changes", folder: folderOf(key ?? ""), token }, "duckdb"),
          )
        ).getRowObjectsJson();
      expect(folderOf(secondKey ?? "")).toEqual([
        ["year", "2026"],
        ["month", "12"],
        ["day", "03"],
        ["hour", "00"],
      ]);
      expect(await run(secondKey, "token-2")).toEqual([
        { operation: "update", event_time: "2026-12-03 00:03:00", token: "token-2" },
      ]);
      expect(await run(firstKey, "token-1")).toEqual([
        { operation: "insert", event_time: "2026-12-02 23:58:00", token: "token-1" },
      ]);
      expect(await run(firstKey, "token-2")).toEqual([]);
      expect(await run(secondKey, "token-3")).toEqual([]);
    } finally {
      duck.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
