import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { debeziumConnectorConfiguration } from "../../src/kafka-connect/debezium-settings";
import { HEARTBEAT_TABLE } from "../../src/sql/capture-sql";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  captureSqlStep,
  changesDuring,
  emulateRds,
  runCaptureSql,
} from "../support/rds-emulation";
import { DEMO_CONFIG, managedCapture, managedDatabase, synthesize } from "../support/synth";
import { tableShape } from "./table-shape";

const config = loadConfigFile(DEMO_CONFIG);

/** The heartbeat.action.query the connectors stack gives Debezium, with the table the database stack names. */
function synthesizedHeartbeatQuery(): string {
  const query = debeziumConnectorConfiguration(
    {
      databaseHost: "",
      databasePort: "",
      databaseName: "",
      credentialsSecretName: "",
      publicationName: "",
      slotName: "",
      topicPrefix: "",
      tables: [],
      snapshotMode: "initial",
      heartbeatIntervalMs: 1000,
      heartbeatTable: `${managedCapture(config).heartbeatSchema}.${HEARTBEAT_TABLE}`,
      replicationFactor: 3,
    },
    { join: (sep, list) => list.join(sep) },
  )["heartbeat.action.query"];
  if (!query) throw new Error("no heartbeat.action.query");
  return query;
}
const { cdcRoleName, publicationName } = managedCapture(config);

describeWithPostgres("PostgreSQL: the demo's database stack", (bin) => {
  const synthesized = synthesize(config);
  const stack = synthesized.stacks["demo-database"] ?? {};
  const step = captureSqlStep(stack);
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    master = await emulateRds(
      server,
      managedDatabase(config).masterUsername,
      managedDatabase(config).databaseName,
    );
    const first = runCaptureSql(step, master);
    if (first.code !== 0) throw new Error(`capture SQL failed:\n${first.output}`);
    cdc = await applyDatabaseStack(server, master, stack, cdcRoleName);
  });
  afterAll(() => {
    server?.stop();
    synthesized.cleanup();
  });

  const asMaster = <T>(fn: Parameters<typeof withClient<T>>[2]) => withClient(server, master, fn);
  const asCdc = <T>(fn: Parameters<typeof withClient<T>>[2]) => withClient(server, cdc, fn);

  it("creates the seed's table with REPLICA IDENTITY FULL", async () => {
    const table = await asMaster((c) =>
      c.query(`SELECT relreplident, pg_get_userbyid(relowner) AS owner,
                      (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
                         FROM pg_attribute WHERE attrelid = 'public.student'::regclass AND attnum > 0) AS columns
                 FROM pg_class WHERE oid = 'public.student'::regclass`),
    );
    expect(table.rows).toEqual([
      { relreplident: "f", owner: "msk_user", columns: "id integer, name character varying(100)" },
    ]);
  });

  it("creates the very table the seed's SQL creates: same columns, types, defaults, constraints, sequence", async () => {
    // The seed lab's statements, as it ran them, in a database of their own.
    await withClient(server, server.superuserParams(), (c) =>
      c.query(`CREATE DATABASE seed_lab OWNER "${master.user}"`),
    );
    const seed = { ...master, database: "seed_lab" };
    await withClient(server, seed, (c) =>
      c.query(
        "CREATE TABLE student (id serial primary key, name varchar(100)); ALTER TABLE student REPLICA IDENTITY FULL",
      ),
    );
    const describeTable = (params: ConnectionParams) =>
      withClient(server, params, (c) => tableShape(c, "public.student"));
    const ours = await describeTable(master);
    expect(ours).toEqual(await describeTable(seed));
    expect(ours.columns.map((c: any) => [c.attname, c.type, c.attnotnull, c.default])).toEqual([
      ["id", "integer", true, "nextval('student_id_seq'::regclass)"],
      ["name", "character varying(100)", false, null],
    ]);
    expect(ours.constraints).toEqual([
      { conname: "student_pkey", contype: "p", definition: "PRIMARY KEY (id)" },
    ]);
    // And what pg_dump makes of each, as text.
    const dump = (database: string) => {
      const result = spawnSync(
        join(bin, "pg_dump"),
        ["--schema-only", "--no-privileges", "--no-publications", "--table=public.student", database],
        {
          encoding: "utf8",
          env: {
            ...process.env,
            PGHOST: master.host,
            PGPORT: String(master.port),
            PGUSER: master.user,
            PGPASSWORD: master.password,
          },
        },
      );
      if (result.status !== 0) throw new Error(result.stderr);
      // pg_dump 15.14+ brackets its output with \restrict <random key> (psql then ignores meta-commands).
      return result.stdout.replace(/^\\(un)?restrict \S+$/gm, "\\$1restrict <key>");
    };
    const ourDump = dump(managedDatabase(config).databaseName);
    expect(ourDump).toContain("CREATE TABLE public.student (");
    expect(ourDump).toBe(dump("seed_lab"));
  });

  it("applies the same SQL again without touching the table or its rows", async () => {
    const before = await asMaster(async (c) => {
      await c.query("INSERT INTO public.student (name) VALUES ('kept across re-runs')");
      return (await c.query("SELECT 'public.student'::regclass::oid AS oid, count(*) FROM public.student"))
        .rows[0];
    });
    const second = runCaptureSql(step, master);
    expect(second.code, second.output).toBe(0);
    const after = await asMaster(async (c) => {
      const row = (
        await c.query("SELECT 'public.student'::regclass::oid AS oid, count(*) FROM public.student")
      ).rows[0];
      await c.query("DELETE FROM public.student WHERE name = 'kept across re-runs'");
      return row;
    });
    expect(after).toEqual(before);
  });

  it("gives Debezium a login role in rds_replication that is no superuser", async () => {
    const role = await asMaster((c) =>
      c.query(
        `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolconnlimit,
                pg_has_role(rolname, 'rds_replication', 'member') AS replication_member
           FROM pg_roles WHERE rolname = $1`,
        [cdcRoleName],
      ),
    );
    expect(role.rows).toEqual([
      {
        rolcanlogin: true,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolconnlimit: 5,
        replication_member: true,
      },
    ]);
  });

  it("publishes exactly the captured tables, the heartbeat and the canary, without TRUNCATE", async () => {
    const publication = await asMaster(async (c) => ({
      tables: (
        await c.query(
          "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2",
          [publicationName],
        )
      ).rows,
      flags: (
        await c.query(
          "SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1",
          [publicationName],
        )
      ).rows,
    }));
    expect(publication.tables).toEqual([
      { schemaname: "cdc", tablename: "cdc_lake_canary" },
      { schemaname: "cdc", tablename: "debezium_heartbeat" },
      { schemaname: "public", tablename: "student" },
    ]);
    expect(publication.flags).toEqual([
      { puballtables: false, pubinsert: true, pubupdate: true, pubdelete: true, pubtruncate: false },
    ]);
  });

  it("creates no slot: Debezium creates it (test/postgres/slot-lifecycle-on-postgres.test.ts)", async () => {
    const slots = await asMaster((c) => c.query("SELECT slot_name FROM pg_replication_slots"));
    expect(slots.rows).toEqual([]);
  });

  it("streams the seed's test statements with full before-images to the CDC role", async () => {
    await asMaster((c) => c.query("TRUNCATE public.student RESTART IDENTITY"));
    const changes = await changesDuring(server, cdc, publicationName, () =>
      asMaster(async (c) => {
        // The seed lab's "Test CDC Functionality", verbatim.
        await c.query("INSERT INTO student (name) VALUES ('John Doe'), ('Jane Smith')");
        await c.query("UPDATE student SET name = 'Updated Name' WHERE id = 1");
        await c.query("DELETE FROM student WHERE id = 2");
        await c.query("INSERT INTO student (name) SELECT 'Student ' || generate_series(1, 10)");
      }),
    );
    expect(changes.map((c) => c.kind)).toEqual([
      "insert",
      "insert",
      "update",
      "delete",
      ...Array(10).fill("insert"),
    ]);
    expect(changes.every((c) => `${c.relation.schema}.${c.relation.table}` === "public.student")).toBe(true);
    expect(changes[0]?.relation.replicaIdentity).toBe("f");
    expect(changes[2]).toMatchObject({
      kind: "update",
      oldKind: "O",
      oldRow: { id: "1", name: "John Doe" },
      newRow: { id: "1", name: "Updated Name" },
    });
    expect(changes[3]).toMatchObject({
      kind: "delete",
      oldKind: "O",
      oldRow: { id: "2", name: "Jane Smith" },
    });
    expect(changes.at(-1)).toMatchObject({ kind: "insert", newRow: { id: "12", name: "Student 10" } });
  });

  it("lets the CDC role read but never write, alter or drop, the canary included", async () => {
    await asCdc(async (c) => {
      await expect(c.query("SELECT count(*) FROM public.student")).resolves.toBeDefined();
      // Debezium snapshots the canary like a captured table; only npm run verify writes it.
      await expect(c.query("SELECT token FROM cdc.cdc_lake_canary")).resolves.toBeDefined();
      for (const sql of [
        "INSERT INTO cdc.cdc_lake_canary (id, token) VALUES (1, 'x')",
        "UPDATE cdc.cdc_lake_canary SET token = 'x'",
        "DELETE FROM cdc.cdc_lake_canary",
        "TRUNCATE cdc.cdc_lake_canary",
        "INSERT INTO public.student (name) VALUES ('x')",
        "UPDATE public.student SET name = 'x'",
        "DELETE FROM public.student",
        "TRUNCATE public.student",
        "ALTER TABLE public.student REPLICA IDENTITY DEFAULT",
        "DROP TABLE public.student",
        "CREATE TABLE public.intruder (id int)",
      ]) {
        await expect(c.query(sql), sql).rejects.toThrow(/permission denied|must be owner/);
      }
    });
  });

  it("lets the CDC role run Debezium's heartbeat query, and the heartbeat reaches the slot", async () => {
    const query = synthesizedHeartbeatQuery();
    const changes = await changesDuring(server, cdc, publicationName, () => asCdc((c) => c.query(query)));
    expect(changes.map((c) => [c.kind, `${c.relation.schema}.${c.relation.table}`])).toEqual([
      ["update", "cdc.debezium_heartbeat"],
    ]);
    await asCdc(async (c) => {
      await expect(c.query("DELETE FROM cdc.debezium_heartbeat")).rejects.toThrow(/permission denied/);
      await expect(c.query("INSERT INTO cdc.debezium_heartbeat (id) VALUES (2)")).rejects.toThrow(
        /permission denied/,
      );
    });
  });

  it("lets the CDC role read tables created later (default privileges)", async () => {
    await asMaster((c) =>
      c.query(
        "CREATE TABLE public.enrollment (id serial primary key, course text); INSERT INTO public.enrollment (course) VALUES ('cdc 101')",
      ),
    );
    const rows = await asCdc((c) => c.query("SELECT course FROM public.enrollment"));
    expect(rows.rows).toEqual([{ course: "cdc 101" }]);
  });
});
